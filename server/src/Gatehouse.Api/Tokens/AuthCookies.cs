using Gatehouse.Api.Sessions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using CookieHeaderValue = Microsoft.Net.Http.Headers.CookieHeaderValue;

namespace Gatehouse.Api.Tokens;

/// <summary>Cookie settings. The defaults are the safe ones; each validator message says how to fix a bad value.</summary>
public sealed class CookieSettings
{
    public const string Section = "Gatehouse:Cookie";

    /// <summary>Lax, Strict or None. None makes the cookies Secure, as browsers require.</summary>
    public string SameSite { get; set; } = "Lax";

    /// <summary>
    /// Where the browser sends the refresh token. <c>/auth</c> (default): to the auth endpoints only, not
    /// narrower, because logout and sign-in must see it to end the session a browser holds after its
    /// access token (and cookie) expired; at <c>/auth/refresh</c> a logout then finds nothing to revoke.
    /// A Next.js web app in front of the API needs <c>/</c>: its proxy refreshes on page loads, and in
    /// same-origin mode the endpoints are reached as <c>/api/auth/…</c>.
    /// </summary>
    public string RefreshPath { get; set; } = "/auth";

    /// <summary>
    /// Optional parent domain (e.g. <c>example.com</c>) so that <c>app.example.com</c> and
    /// <c>api.example.com</c> share the cookies. Empty (default): host-only cookies.
    /// </summary>
    public string? Domain { get; set; }

    /// <summary>
    /// Over HTTPS, name the cookies <c>__Host-…</c> (host-only, Path=/) or <c>__Secure-…</c>, prefixes
    /// the browser enforces, so a sibling subdomain or a plain-http page cannot plant or overwrite them.
    /// </summary>
    public bool UsePrefixes { get; set; } = true;
}

internal sealed class CookieSettingsValidator : IValidateOptions<CookieSettings>
{
    private static readonly string[] Allowed = ["Lax", "Strict", "None"];

    public ValidateOptionsResult Validate(string? name, CookieSettings options)
    {
        var failures = new List<string>();
        if (!Allowed.Contains(options.SameSite, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"Gatehouse:Cookie:SameSite is '{options.SameSite}'; use Lax (default), Strict, or None (cross-site; forces Secure, so it needs HTTPS).");
        }
        if (string.IsNullOrEmpty(options.RefreshPath) || options.RefreshPath[0] != '/' || options.RefreshPath.Any(c => c is ';' or ',' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            failures.Add($"Gatehouse:Cookie:RefreshPath is '{options.RefreshPath}'; use a path starting with '/', e.g. /auth (default) or / when a Next.js web app fronts the API.");
        }
        if (!string.IsNullOrEmpty(options.Domain)
            && (Uri.CheckHostName(options.Domain.TrimStart('.')) != UriHostNameType.Dns || !options.Domain.TrimStart('.').Contains('.')))
        {
            failures.Add($"Gatehouse:Cookie:Domain is '{options.Domain}'; use a registrable parent domain such as example.com (shared by app.example.com and api.example.com), or leave it empty for host-only cookies.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// Writes, reads and deletes the two session cookies: <c>access_token</c> (the JWT, every path) and
/// <c>refresh_token</c> (its own narrow path). Both httpOnly, so scripts, including injected ones,
/// never see them.
/// </summary>
public sealed class AuthCookies
{
    public const string AccessBaseName = "access_token";
    public const string RefreshBaseName = "refresh_token";

    /// <summary>Longer values are not tokens we issued; they are refused before any parsing.</summary>
    public const int MaxLength = 4096;

    private readonly SameSiteMode _sameSite;
    private readonly bool _secure;
    private readonly string? _domain;
    private readonly string _refreshPath;

    public AuthCookies(IOptions<CookieSettings> options, IHostEnvironment environment)
    {
        var settings = options.Value;
        _sameSite = Enum.Parse<SameSiteMode>(settings.SameSite, ignoreCase: true);
        // Plain http is allowed only in Development; browsers refuse SameSite=None without Secure.
        _secure = !environment.IsDevelopment() || _sameSite == SameSiteMode.None;
        _domain = string.IsNullOrEmpty(settings.Domain) ? null : settings.Domain;
        _refreshPath = settings.RefreshPath;

        var prefixes = settings.UsePrefixes && _secure;
        // __Host- demands Secure, Path=/ and no Domain; __Secure- only Secure.
        AccessName = Prefixed(AccessBaseName, prefixes, hostOnlyRoot: _domain is null);
        RefreshName = Prefixed(RefreshBaseName, prefixes, hostOnlyRoot: _domain is null && _refreshPath == "/");
    }

    public string AccessName { get; }
    public string RefreshName { get; }

    /// <summary>Sets both cookies of a session: its access token and its refresh token.</summary>
    public void Append(HttpResponse response, AccessToken access, IssuedSession issued)
    {
        response.Cookies.Append(AccessName, access.Value, Options("/", access.ExpiresAt));
        response.Cookies.Append(RefreshName, issued.RefreshToken, Options(_refreshPath, issued.RefreshExpiresAt));
    }

    /// <summary>
    /// Sets the access cookie only: a new token for the same session (a re-authentication), whose
    /// refresh token stays as it is.
    /// </summary>
    public void AppendAccess(HttpResponse response, AccessToken access) =>
        response.Cookies.Append(AccessName, access.Value, Options("/", access.ExpiresAt));

    /// <summary>Deletes both, with the attributes they were set with, or the browser keeps them.</summary>
    public void DeleteAll(HttpResponse response)
    {
        response.Cookies.Delete(AccessName, Options("/", expires: null));
        response.Cookies.Delete(RefreshName, Options(_refreshPath, expires: null));
    }

    /// <summary>
    /// The name a further cookie of the auth endpoints gets (the device cookie, Devices/): the refresh
    /// cookie's prefix, since it goes where that one goes and with the same attributes.
    /// </summary>
    internal string NameBesideRefresh(string baseName) => RefreshName[..^RefreshBaseName.Length] + baseName;

    /// <summary>Sets such a cookie: the refresh cookie's path, domain, SameSite and Secure, its own expiry.</summary>
    internal void AppendBesideRefresh(HttpResponse response, string baseName, string value, DateTimeOffset expires) =>
        response.Cookies.Append(NameBesideRefresh(baseName), value, Options(_refreshPath, expires));

    /// <summary>Deletes such a cookie, with the attributes it was set with.</summary>
    internal void DeleteBesideRefresh(HttpResponse response, string baseName) =>
        response.Cookies.Delete(NameBesideRefresh(baseName), Options(_refreshPath, expires: null));

    public string? ReadAccess(HttpRequest request) => Read(request, AccessName);

    public string? ReadRefresh(HttpRequest request) => Read(request, RefreshName);

    /// <summary>True when the request carries either session cookie: a browser may be acting for a signed-in user.</summary>
    public bool IsPresent(HttpRequest request) =>
        Find(request, AccessName) is not null || Find(request, RefreshName) is not null;

    private static string? Read(HttpRequest request, string name) =>
        Find(request, name) is { Length: > 0 and <= MaxLength } value ? value : null;

    /// <summary>
    /// The value of the cookie named exactly <paramref name="name"/>, or null. <c>Request.Cookies</c>
    /// matches names whatever their case, so <c>__HOST-access_token</c> would pass for ours: a name
    /// that browsers matching prefixes case-sensitively let any sibling subdomain or plain-http page
    /// set, which is what the prefix is there to prevent. And of two names differing only in case it
    /// keeps the last, so a planted one could hide ours. The header is read again with ASP.NET Core's
    /// own cookie parser, which keeps every name as sent.
    /// </summary>
    internal static string? Find(HttpRequest request, string name)
    {
        // The parser keeps names as sent, so a header without the exact name as a substring cannot hold
        // the cookie: most requests are answered by that search, without parsing the header twice
        // (Request.Cookies would parse it into a dictionary of its own first).
        var header = request.Headers.Cookie;
        if (!Mentions(header, name) || !CookieHeaderValue.TryParseList(header, out var cookies))
        {
            return null;
        }
        string? value = null;
        foreach (var cookie in cookies)
        {
            if (cookie.Name.Equals(name, StringComparison.Ordinal))
            {
                // The last of a name wins and values are unescaped, as in Request.Cookies.
                value = Uri.UnescapeDataString(cookie.Value.ToString());
            }
        }
        return value;
    }

    private static bool Mentions(StringValues header, string name)
    {
        foreach (var value in header)
        {
            if (value is not null && value.Contains(name, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private CookieOptions Options(string path, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Path = path,
        Domain = _domain,
        SameSite = _sameSite,
        Secure = _secure,
        Expires = expires,
        IsEssential = true,
    };

    private static string Prefixed(string name, bool prefixes, bool hostOnlyRoot) =>
        !prefixes ? name : hostOnlyRoot ? "__Host-" + name : "__Secure-" + name;
}
