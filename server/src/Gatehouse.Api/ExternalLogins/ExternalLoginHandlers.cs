using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.ExternalLogins;

/// <summary>
/// What the handlers keep in an attempt's state (protected by Data Protection, carried by the provider
/// in <c>state</c>): where to return, the redirect URI given, the deadline, and a link intent.
/// </summary>
internal static class AttemptItems
{
    public const string Web = "gatehouse.web";
    public const string Next = "gatehouse.next";
    public const string RedirectUri = "gatehouse.redirect_uri";
    public const string ExpiresAt = "gatehouse.expires";
    public const string Link = "gatehouse.link";
    public const string ProviderMfa = "gatehouse.provider_mfa";

    public static string? Get(AuthenticationProperties? properties, string key) =>
        properties is not null && properties.Items.TryGetValue(key, out var value) ? value : null;

    /// <summary>Set by the callback endpoint: only it lets a handler finish a sign-in (see the handlers).</summary>
    public const string CallbackMarker = "gatehouse.external_callback";

    public static bool IsCallback(HttpContext http, string scheme) =>
        http.Items.TryGetValue(CallbackMarker, out var value) && value is string id && id == scheme;
}

/// <summary>
/// Microsoft's OpenID Connect handler (discovery, PKCE, state, nonce, id_token validation all its own),
/// answering only when <c>GET /auth/external/{id}/callback</c> hands it the request: so the callback is
/// an endpoint with a rate limit and an OpenAPI entry, and the handler's sign-out paths
/// (<c>/signout-oidc</c>) do not exist here.
/// </summary>
public sealed class ExternalOidcHandler(IOptionsMonitor<OpenIdConnectOptions> options, ILoggerFactory logger, HtmlEncoder htmlEncoder, UrlEncoder encoder)
    : OpenIdConnectHandler(options, logger, htmlEncoder, encoder)
{
    public override Task<bool> HandleRequestAsync() =>
        AttemptItems.IsCallback(Context, Scheme.Name) ? base.HandleRequestAsync() : Task.FromResult(false);
}

/// <summary>GitHub's OAuth app settings: the built-in OAuth handler, plus where its REST API is.</summary>
public sealed class GitHubOptions : OAuthOptions
{
    public const string DefaultAuthorizationEndpoint = "https://github.com/login/oauth/authorize";
    public const string DefaultTokenEndpoint = "https://github.com/login/oauth/access_token";
    public const string DefaultApiBaseUrl = "https://api.github.com";

    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;
}

/// <summary>
/// GitHub through ASP.NET Core's own OAuth 2 handler (GitHub is not OpenID Connect): the profile from
/// <c>/user</c> and the address from <c>/user/emails</c> — the primary one, and verified only when
/// GitHub says so. The claims are named as OpenID Connect names them, so the rest does not care.
/// </summary>
public sealed class GitHubHandler(IOptionsMonitor<GitHubOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : OAuthHandler<GitHubOptions>(options, logger, encoder)
{
    public override Task<bool> HandleRequestAsync() =>
        AttemptItems.IsCallback(Context, Scheme.Name) ? base.HandleRequestAsync() : Task.FromResult(false);

    // The redirect URI depends on the browser mode (see ExternalLoginUrls); the same one must be sent
    // again when the code is exchanged.
    protected override string BuildChallengeUrl(AuthenticationProperties properties, string redirectUri) =>
        base.BuildChallengeUrl(properties, AttemptItems.Get(properties, AttemptItems.RedirectUri) ?? redirectUri);

    protected override Task<OAuthTokenResponse> ExchangeCodeAsync(OAuthCodeExchangeContext context) =>
        base.ExchangeCodeAsync(new OAuthCodeExchangeContext(context.Properties, context.Code,
            AttemptItems.Get(context.Properties, AttemptItems.RedirectUri) ?? context.RedirectUri));

    protected override async Task<AuthenticationTicket> CreateTicketAsync(ClaimsIdentity identity, AuthenticationProperties properties, OAuthTokenResponse tokens)
    {
        using var user = await GetAsync("/user", tokens.AccessToken!)
            ?? throw new AuthenticationFailureException("GitHub's /user did not answer with the profile.");
        var root = user.RootElement;
        if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number)
        {
            throw new AuthenticationFailureException("GitHub's /user answered without an id.");
        }
        identity.AddClaim(new Claim(ExternalClaims.Subject, id.GetRawText(), ClaimValueTypes.String, ClaimsIssuer));
        if (Text(root, "login") is { } login)
        {
            identity.AddClaim(new Claim(ExternalClaims.PreferredUsername, login, ClaimValueTypes.String, ClaimsIssuer));
        }
        if (Text(root, "name") is { } name)
        {
            identity.AddClaim(new Claim(ExternalClaims.Name, name, ClaimValueTypes.String, ClaimsIssuer));
        }
        // Only the primary address, and "verified" only as GitHub says: /user's public email proves nothing.
        using var emails = await GetAsync("/user/emails", tokens.AccessToken!);
        if (emails?.RootElement is { ValueKind: JsonValueKind.Array } list
            && list.EnumerateArray().FirstOrDefault(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("primary", out var p) && p.ValueKind == JsonValueKind.True) is { ValueKind: JsonValueKind.Object } primary
            && Text(primary, "email") is { } address)
        {
            var verified = primary.TryGetProperty("verified", out var v) && v.ValueKind == JsonValueKind.True;
            identity.AddClaim(new Claim(ExternalClaims.Email, address, ClaimValueTypes.String, ClaimsIssuer));
            identity.AddClaim(new Claim(ExternalClaims.EmailVerified, verified ? "true" : "false", ClaimValueTypes.Boolean, ClaimsIssuer));
        }

        var context = new OAuthCreatingTicketContext(new ClaimsPrincipal(identity), properties, Context, Scheme, Options, Backchannel, tokens, root);
        await Events.CreatingTicket(context);
        return new AuthenticationTicket(context.Principal!, context.Properties, Scheme.Name);
    }

    /// <summary>A GET on GitHub's API: the JSON, or null when it answers 4xx (e.g. no <c>user:email</c> scope).</summary>
    private async Task<JsonDocument?> GetAsync(string path, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Options.ApiBaseUrl.TrimEnd('/') + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Gatehouse", "1.0"));
        using var response = await Backchannel.SendAsync(request, Context.RequestAborted);
        if ((int)response.StatusCode is >= 400 and < 500)
        {
            return null;
        }
        // A 5xx is GitHub being down: that reads as "unavailable", not as a person without an address.
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(Context.RequestAborted), cancellationToken: Context.RequestAborted);
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}

/// <summary>The claim names (OpenID Connect's, kept as they come: <c>MapInboundClaims = false</c>).</summary>
public static class ExternalClaims
{
    public const string Subject = "sub";
    public const string Email = "email";
    public const string EmailVerified = "email_verified";
    public const string PreferredUsername = "preferred_username";
    public const string Name = "name";
    public const string AuthMethods = "amr";
}
