using Gatehouse.Api.Hosting;
using Gatehouse.Api.Tokens;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gatehouse.Api.Security;

/// <summary>
/// Cross-site request forgery defence for cookie-authenticated requests, by the browser's own
/// signals (OWASP's "verifying origin with standard headers" and Fetch Metadata):
/// an unsafe request is refused when <c>Sec-Fetch-Site</c> says cross-site, when its <c>Origin</c>
/// (else <c>Referer</c>) is not an allowed origin, or when it carries a session cookie and neither
/// header. Bodies must be JSON, which a cross-site form cannot send without a CORS preflight, and in
/// UTF-8, the only encoding JSON between systems may use (RFC 8259 §8.1).
/// </summary>
public static partial class CsrfProtection
{
    public static WebApplication UseCsrfProtection(this WebApplication app)
    {
        // The web app's origins and the API's own, both from configuration: never from the Host header,
        // which the caller writes, so a forged Host cannot make a foreign Origin "the API's own".
        var allowed = new HashSet<string>(
            app.Services.GetRequiredService<IOptions<CorsSettings>>().Value.OriginList()
                .Concat(app.Services.GetRequiredService<IOptions<PublicApiSettings>>().Value.OwnOrigins()),
            StringComparer.OrdinalIgnoreCase);
        var cookies = app.Services.GetRequiredService<AuthCookies>();
        // SameSite=None exists for a web app on another site, whose every call is cross-site.
        var crossSiteWebApp = string.Equals(app.Services.GetRequiredService<IOptions<CookieSettings>>().Value.SameSite, "None", StringComparison.OrdinalIgnoreCase);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gatehouse.Security.Csrf");

        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
            {
                await next(context);
                return;
            }

            var refusal = Check(request, allowed, cookies, crossSiteWebApp);
            if (refusal is not null)
            {
                LogRefused(logger, request.Method, request.Path.Value ?? "", refusal, request.Headers.Origin.ToString());
                await context.WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
                    "This request did not come from an allowed origin.", code: "csrf_refused");
                return;
            }
            if (!IsJsonOrEmpty(request))
            {
                await context.WriteProblemAsync(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                    "Request bodies must be JSON in UTF-8 (Content-Type: application/json, with no charset or charset=utf-8).", code: "json_required");
                return;
            }
            await next(context);
        });
        return app;
    }

    /// <summary>Why the request is refused, or null when it may proceed.</summary>
    internal static string? Check(HttpRequest request, IReadOnlySet<string> allowed, AuthCookies cookies, bool crossSiteWebApp)
    {
        var headers = request.Headers;
        var origin = headers.Origin.ToString();
        if (string.Equals(headers["Sec-Fetch-Site"], "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            // Cross-site is refused outright, unless cookies are SameSite=None for a web app on
            // another site; then the browser's Origin must name that app (a Referer will not do).
            if (!crossSiteWebApp || string.IsNullOrEmpty(origin))
            {
                return "Sec-Fetch-Site is cross-site";
            }
        }
        if (!string.IsNullOrEmpty(origin))
        {
            // "null" (sandboxed frames, some redirects, file: pages) is never an allowed origin.
            return allowed.Contains(origin) ? null : "Origin is not allowed";
        }
        var referer = headers.Referer.ToString();
        if (!string.IsNullOrEmpty(referer))
        {
            return Uri.TryCreate(referer, UriKind.Absolute, out var uri) && allowed.Contains(uri.GetLeftPart(UriPartial.Authority))
                ? null
                : "Referer is not from an allowed origin";
        }
        // No Origin and no Referer: fine for a tool or server with no cookie; from a browser holding a
        // session it is a request we cannot place, so it is refused.
        return cookies.IsPresent(request) ? "no Origin or Referer on a request with session cookies" : null;
    }

    private static bool IsJsonOrEmpty(HttpRequest request)
    {
        var contentType = request.ContentType;
        if (string.IsNullOrEmpty(contentType))
        {
            // A body without a type is refused too; only a bodyless request may omit it.
            return request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any();
        }
        return MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            && (mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase) && mediaType.Type.Equals("application", StringComparison.OrdinalIgnoreCase))
            && IsUtf8OrUnstated(mediaType);
    }

    /// <summary>
    /// No charset (JSON is UTF-8) or exactly one, utf-8. The JSON reader decodes with whatever is named,
    /// and an unknown name (utf-7, nonsense, or even "utf-8" in quotes, which it takes literally) made it
    /// throw: a 500 from input. Two charsets are refused too, so no reader picks another than this saw.
    /// </summary>
    private static bool IsUtf8OrUnstated(MediaTypeHeaderValue mediaType)
    {
        var charsets = mediaType.Parameters.Where(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)).ToList();
        return charsets.Count == 0
            || charsets.Count == 1 && charsets[0].Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
    }

    [LoggerMessage(LogLevel.Warning, "CSRF defence refused {Method} {Path}: {Reason} (Origin: {Origin})")]
    private static partial void LogRefused(ILogger logger, string method, string path, string reason, string origin);
}
