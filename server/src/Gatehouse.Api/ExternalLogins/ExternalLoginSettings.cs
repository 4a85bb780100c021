using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.ExternalLogins;

/// <summary>
/// <c>Gatehouse:ExternalLogins</c>: the identity providers people may sign in with, from settings only
/// (<c>Providers:{id}:…</c>). None by default: the log-in page then shows no "Continue with" button.
/// </summary>
public sealed class ExternalLoginSettings
{
    public const string Section = "Gatehouse:ExternalLogins";

    public Dictionary<string, ExternalProviderSettings> Providers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long a sign-in at the provider may take (the correlation and nonce cookies' life); then it is "expired".</summary>
    public TimeSpan AttemptLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The provider configured under <paramref name="id"/>, if any.</summary>
    public ExternalProviderSettings? Find(string? id) =>
        id is not null && Providers.TryGetValue(id, out var provider) ? provider : null;
}

/// <summary>One provider: an OpenID Connect issuer (<c>oidc</c>, the default) or GitHub (<c>github</c>, OAuth 2).</summary>
public sealed class ExternalProviderSettings
{
    public const string Oidc = "oidc";
    public const string GitHub = "github";

    public string Type { get; set; } = Oidc;

    /// <summary>What the "Continue with …" button says; the id when unset.</summary>
    public string? DisplayName { get; set; }

    /// <summary>The OIDC issuer, whose <c>/.well-known/openid-configuration</c> the handler reads.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }

    /// <summary>Scopes besides the ones always asked (<c>openid profile email</c>; GitHub: <c>read:user user:email</c>), space- or comma-separated.</summary>
    public string? Scopes { get; set; }

    /// <summary>
    /// Take the provider's word for multi-factor: when its id_token's <c>amr</c> has <c>mfa</c>, Gatehouse
    /// asks for no second factor of its own. Off by default: most providers' "mfa" is theirs to define.
    /// </summary>
    public bool TrustProviderMfa { get; set; }

    /// <summary>Keep the provider's tokens (in AspNetUserTokens) for later calls to its API. Off by default: never stored.</summary>
    public bool SaveTokens { get; set; }

    // GitHub only: GitHub Enterprise Server, or the development fake, lives elsewhere.
    public string? AuthorizationEndpoint { get; set; }
    public string? TokenEndpoint { get; set; }
    public string? ApiBaseUrl { get; set; }

    public string Name(string id) => string.IsNullOrWhiteSpace(DisplayName) ? id : DisplayName.Trim();

    public IEnumerable<string> ScopeList() =>
        (Scopes ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal bool IsGitHub => string.Equals(Type, GitHub, StringComparison.OrdinalIgnoreCase);
}

internal sealed partial class ExternalLoginSettingsValidator(IHostEnvironment environment) : IValidateOptions<ExternalLoginSettings>
{
    public ValidateOptionsResult Validate(string? name, ExternalLoginSettings options)
    {
        var failures = new List<string>();
        if (options.AttemptLifetime < TimeSpan.FromMinutes(1) || options.AttemptLifetime > TimeSpan.FromHours(1))
        {
            failures.Add($"{ExternalLoginSettings.Section}:AttemptLifetime is {options.AttemptLifetime}; use 00:01:00 to 01:00:00 (default 00:10:00).");
        }
        foreach (var (id, provider) in options.Providers)
        {
            var key = $"{ExternalLoginSettings.Section}:Providers:{id}";
            if (!IdPattern().IsMatch(id))
            {
                failures.Add($"{key}: the id '{id}' must be 1 to 32 lower-case letters, digits or '-', e.g. google; it is part of the callback URL.");
                continue;
            }
            if (!string.Equals(provider.Type, ExternalProviderSettings.Oidc, StringComparison.OrdinalIgnoreCase) && !provider.IsGitHub)
            {
                failures.Add($"{key}:Type is '{provider.Type}'; use oidc (default, any OpenID Connect provider) or github.");
                continue;
            }
            if (string.IsNullOrWhiteSpace(provider.ClientId))
            {
                failures.Add($"{key}:ClientId is missing; copy the client (application) id from the provider's console.");
            }
            if (provider.IsGitHub)
            {
                if (string.IsNullOrWhiteSpace(provider.ClientSecret))
                {
                    failures.Add($"{key}:ClientSecret is missing; GitHub's OAuth apps need their client secret.");
                }
                foreach (var (setting, value) in new[] { ("AuthorizationEndpoint", provider.AuthorizationEndpoint), ("TokenEndpoint", provider.TokenEndpoint), ("ApiBaseUrl", provider.ApiBaseUrl) })
                {
                    if (value is not null && CheckUrl(value) is { } problem)
                    {
                        failures.Add($"{key}:{setting} is '{value}', {problem}; leave it unset for github.com.");
                    }
                }
                continue;
            }
            if (string.IsNullOrWhiteSpace(provider.Authority))
            {
                failures.Add($"{key}:Authority is missing; use the provider's issuer URL, e.g. https://accounts.google.com.");
            }
            else if (CheckUrl(provider.Authority) is { } problem)
            {
                failures.Add($"{key}:Authority is '{provider.Authority}', {problem}.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>
    /// Why a provider's URL is refused, or null. Plain http would let anyone on the path swap the keys
    /// that sign the id_tokens (or read the code and client secret): only on loopback (tests, the local
    /// provider) or in Development.
    /// </summary>
    private string? CheckUrl(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return "which is not an absolute https URL";
        }
        if (uri.Scheme == "http" && !environment.IsDevelopment() && !IsLoopback(uri))
        {
            return "plain http, refused outside Development unless on a loopback address (127.0.0.1, ::1, localhost); use https";
        }
        return null;
    }

    internal static bool IsLoopback(Uri uri) => uri.IsLoopback || IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);

    [GeneratedRegex("^[a-z0-9-]{1,32}$")]
    private static partial Regex IdPattern();
}
