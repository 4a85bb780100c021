using Gatehouse.Api.Email;
using Gatehouse.Api.Hosting;
using Gatehouse.Api.Security;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.ExternalLogins;

/// <summary>
/// Where an external sign-in comes back to, in either browser mode. Same-origin mode: the web app's
/// <c>/api/*</c> route forwards the browser's requests with <see cref="WebOriginHeader"/> naming its own
/// origin, so the provider returns to <c>{web}/api/auth/external/{id}/callback</c>. Direct mode: no such
/// header, and the provider returns to the API itself (<c>Gatehouse:PublicApiUrl</c>). One API can
/// serve both at once (e2e), so it is decided per request and kept in the attempt's protected state.
/// Every origin comes from configuration: a header or Referer only picks one of them, so none can
/// turn the final redirect into an open redirect.
/// </summary>
public sealed class ExternalLoginUrls(IOptions<CorsSettings> cors, IOptions<PublicWebSettings> web, IOptions<PublicApiSettings> api)
{
    /// <summary>Set by the web app's <c>/api/*</c> route to the origin the browser sees.</summary>
    public const string WebOriginHeader = "X-Gatehouse-Web-Origin";

    /// <summary>The web app to return to and the redirect URI to give the provider, for this request.</summary>
    public (string Web, string RedirectUri) Decide(HttpRequest request, string providerId)
    {
        var callback = $"/auth/external/{providerId}/callback";
        if (Allowed(request.Headers[WebOriginHeader].ToString()) is { } proxied)
        {
            return (proxied, $"{proxied}/api{callback}");
        }
        // Direct mode: the page the browser left (its Referer, an origin under the web app's
        // strict-origin-when-cross-origin policy) when it is one of ours, else the configured web app.
        var referer = Uri.TryCreate(request.Headers.Referer.ToString(), UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null;
        var back = Allowed(referer) ?? DefaultWeb;
        var self = api.Value.IsSet ? api.Value.ServerUrl : $"{request.Scheme}://{request.Host}{request.PathBase}";
        return (back, self + callback);
    }

    /// <summary>The configured web app (<c>Gatehouse:PublicWebUrl</c>), for answers that know no better.</summary>
    public string DefaultWeb => web.Value.BaseUrl;

    /// <summary>The web app's URL for <paramref name="origin"/> when it is one of the configured web origins, else null.</summary>
    public string? Allowed(string? origin)
    {
        if (string.IsNullOrEmpty(origin))
        {
            return null;
        }
        origin = origin.TrimEnd('/');
        var configured = web.Value.BaseUrl;
        if (Uri.TryCreate(configured, UriKind.Absolute, out var webUri) && string.Equals(webUri.GetLeftPart(UriPartial.Authority), origin, StringComparison.OrdinalIgnoreCase))
        {
            return configured; // keeps a path the web app is served under
        }
        return cors.Value.OriginList().FirstOrDefault(o => string.Equals(o, origin, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// <paramref name="next"/> when it is a path on the web app (one leading '/', no scheme, no
    /// backslash, no control character), else <c>/dashboard</c>: never a way off the site.
    /// </summary>
    public static string SafeNext(string? next)
    {
        if (string.IsNullOrEmpty(next) || next.Length > 512 || next[0] != '/' || next.StartsWith("//", StringComparison.Ordinal)
            || next.Contains('\\') || next.Any(char.IsControl))
        {
            return DefaultNext;
        }
        return next;
    }

    public const string DefaultNext = "/dashboard";

    /// <summary>The error page: what happened (<paramref name="reason"/>) and a way to try again.</summary>
    public static string ErrorPage(string web, string reason, string provider) =>
        $"{web}/auth/external-error?reason={reason}&provider={Uri.EscapeDataString(provider)}";
}
