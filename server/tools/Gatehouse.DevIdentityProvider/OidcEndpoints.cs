using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Gatehouse.DevIdentityProvider;

/// <summary>
/// The OpenID Connect side: an OpenIddict server in degraded mode (no database: codes are self-contained,
/// encrypted tokens; the one client is checked by the handlers below), Authorization Code with PKCE only,
/// ephemeral keys (new on every start), and access tokens left unencrypted so they are plain JWTs.
/// </summary>
internal static class OidcEndpoints
{
    public const string AuthorizePath = "/connect/authorize";
    public const string TokenPath = "/connect/token";
    public const string UserInfoPath = "/connect/userinfo";

    public static void AddOidcProvider(this IServiceCollection services, DevIdentityProviderOptions settings)
    {
        services.AddAuthentication();
        services.AddOpenIddict().AddServer(options =>
        {
            options.SetAuthorizationEndpointUris(AuthorizePath[1..])
                .SetTokenEndpointUris(TokenPath[1..])
                .SetUserInfoEndpointUris(UserInfoPath[1..]);
            options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            // S256 only: "plain" would put the verifier itself in the browser's URL.
            options.Configure(server => server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
            options.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile);
            options.RegisterClaims(Claims.Subject, Claims.Email, Claims.EmailVerified, Claims.Name, Claims.PreferredUsername,
                Claims.AuthenticationMethodReference, Claims.AuthenticationTime, Claims.Nonce);
            options.AddEphemeralSigningKey().AddEphemeralEncryptionKey();
            options.DisableAccessTokenEncryption();
            options.EnableDegradedMode();
            options.UseAspNetCore()
                .EnableAuthorizationEndpointPassthrough()
                .EnableTokenEndpointPassthrough()
                .EnableUserInfoEndpointPassthrough()
                // Loopback only, plain http: tests and ./run.sh have no certificate.
                .DisableTransportSecurityRequirement();

            // Degraded mode has no application store, so the one client is checked here.
            options.AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!string.Equals(context.ClientId, settings.ClientId, StringComparison.Ordinal))
                {
                    context.Reject(Errors.InvalidClient, $"Unknown client_id; this provider knows only '{settings.ClientId}'.");
                }
                else if (!RedirectUris.IsAllowed(context.RedirectUri))
                {
                    // Never redirected to: the error is shown here, as for any unregistered redirect_uri.
                    context.Reject(Errors.InvalidRequest,
                        "The redirect_uri is not allowed: it must be http(s) on localhost, 127.0.0.1 or [::1] with a path ending in /auth/external/{id}/callback.");
                }
                return default;
            }));
            options.AddEventHandler<ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!string.Equals(context.ClientId, settings.ClientId, StringComparison.Ordinal)
                    || !FixedTimeEquals(context.ClientSecret, settings.ClientSecret))
                {
                    context.Reject(Errors.InvalidClient, "The client_id or client_secret is wrong.");
                }
                return default;
            }));
        });
    }

    public static void MapOidcProvider(this WebApplication app)
    {
        app.MapMethods(AuthorizePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync);
        app.MapPost(TokenPath, TokenAsync);
        app.MapMethods(UserInfoPath, [HttpMethods.Get, HttpMethods.Post], (Delegate)UserInfoAsync);
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, DevIdentityProviderOptions options, DevIdentityProviderKnobs knobs, TimeProvider time)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var fields = await RequestFields.ReadAsync(context.Request);
        switch (SignInPage.Read(fields.First, options, knobs))
        {
            case null:
                return SignInPage.Render(context, options, AuthorizePath, fields.All, request.ClientId ?? "An application");
            case Answer.Invalid invalid:
                return SignInPage.Render(context, options, AuthorizePath, fields.All, request.ClientId ?? "An application", invalid.Problem);
            case Answer.Deny:
                return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.AccessDenied,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The person declined to sign in.",
                }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            case Answer.SignIn(var user):
                return Results.SignIn(Principal(user, request, time), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            default:
                throw new InvalidOperationException("Unknown answer.");
        }
    }

    private static async Task<IResult> TokenAsync(HttpContext context, DevIdentityProviderKnobs knobs)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (knobs.TokenError is { Length: > 0 } error)
        {
            return Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The test asked for this error.",
            }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }
        if (!request.IsAuthorizationCodeGrantType())
        {
            throw new InvalidOperationException("Only the authorization code grant is enabled.");
        }
        // The code was validated by OpenIddict (signature, expiry, PKCE, redirect_uri, client).
        var principal = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal
            ?? throw new InvalidOperationException("The authorization code could not be read.");
        if (knobs.WrongNonce)
        {
            // OpenIddict copies the code's nonce into the id_token; this one is not the client's.
            principal.SetClaim(Claims.Private.Nonce, "not-the-nonce-you-sent-" + Guid.NewGuid().ToString("N"));
        }
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> UserInfoAsync(HttpContext context)
    {
        var principal = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (principal is null)
        {
            return Results.Challenge(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }
        return Results.Json(new Dictionary<string, object?>
        {
            [Claims.Subject] = principal.GetClaim(Claims.Subject),
            [Claims.Email] = principal.GetClaim(Claims.Email),
            [Claims.EmailVerified] = principal.GetClaim(Claims.EmailVerified) == "true",
            [Claims.Name] = principal.GetClaim(Claims.Name),
            [Claims.PreferredUsername] = principal.GetClaim(Claims.PreferredUsername),
        });
    }

    /// <summary>Who signed in, as the code (and so the id_token, access token and userinfo) carries it.</summary>
    private static ClaimsPrincipal Principal(DevUser user, OpenIddictRequest request, TimeProvider time)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user.Subject));
        identity.AddClaim(new Claim(Claims.Email, user.Email));
        identity.AddClaim(new Claim(Claims.EmailVerified, user.EmailVerified ? "true" : "false", ClaimValueTypes.Boolean));
        identity.AddClaim(new Claim(Claims.Name, user.Name));
        identity.AddClaim(new Claim(Claims.PreferredUsername, user.Login));
        // A JSON array even with one value, as OpenID Connect defines amr.
        identity.AddClaim(new Claim(Claims.AuthenticationMethodReference, JsonSerializer.Serialize(user.Amr), JsonClaimValueTypes.JsonArray));
        identity.AddClaim(new Claim(Claims.AuthenticationTime,
            time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        identity.SetScopes(request.GetScopes());
        identity.SetDestinations(static _ => [Destinations.AccessToken, Destinations.IdentityToken]);
        return new ClaimsPrincipal(identity);
    }

    private static bool FixedTimeEquals(string? given, string expected) =>
        given is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(expected));
}

/// <summary>The fields of a GET's query or a POST's form, as sent (each with its first value).</summary>
internal sealed record RequestFields(IReadOnlyList<KeyValuePair<string, string?>> All)
{
    public string? First(string name) => All.FirstOrDefault(f => f.Key == name).Value;

    public static async Task<RequestFields> ReadAsync(HttpRequest request)
    {
        IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> source = request.HasFormContentType
            ? await request.ReadFormAsync()
            : request.Query;
        return new RequestFields([.. source.Select(f => new KeyValuePair<string, string?>(f.Key, SignInPage.First(f.Value)))]);
    }
}
