using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tokens;

/// <summary>Cookie settings. Lax by default: the web app and API on one site get the cookie, other sites' forms do not.</summary>
public sealed class CookieSettings
{
    public const string Section = "Gatehouse:Cookie";

    /// <summary>Lax, Strict or None. None makes the cookie Secure, as browsers require.</summary>
    public string SameSite { get; set; } = "Lax";
}

internal sealed class CookieSettingsValidator : IValidateOptions<CookieSettings>
{
    private static readonly string[] Allowed = ["Lax", "Strict", "None"];

    public ValidateOptionsResult Validate(string? name, CookieSettings options) =>
        Allowed.Contains(options.SameSite, StringComparer.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Gatehouse:Cookie:SameSite is '{options.SameSite}'; use Lax (default), Strict, or None (cross-site; forces Secure, so it needs HTTPS).");
}

/// <summary>Writes and deletes the <c>access_token</c> cookie.</summary>
public sealed class AccessTokenCookie(IOptions<CookieSettings> settings, IHostEnvironment environment)
{
    public const string Name = "access_token";

    /// <summary>Longer values are not tokens we issued; they are refused before any parsing.</summary>
    public const int MaxLength = 4096;

    public void Append(HttpResponse response, AccessToken token) =>
        response.Cookies.Append(Name, token.Value, Options(token.ExpiresAt));

    public void Delete(HttpResponse response) =>
        response.Cookies.Delete(Name, Options(expires: null));

    private CookieOptions Options(DateTimeOffset? expires)
    {
        var sameSite = Enum.Parse<SameSiteMode>(settings.Value.SameSite, ignoreCase: true);
        return new CookieOptions
        {
            HttpOnly = true, // scripts, including injected ones, never see the token
            Path = "/",
            SameSite = sameSite,
            // Plain http is allowed only in Development; browsers refuse SameSite=None without Secure.
            Secure = !environment.IsDevelopment() || sameSite == SameSiteMode.None,
            Expires = expires,
            IsEssential = true,
        };
    }
}
