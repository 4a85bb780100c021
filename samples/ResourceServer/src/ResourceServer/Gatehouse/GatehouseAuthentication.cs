using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ResourceServer.Gatehouse;

/// <summary>The signal that the revocation feed is stale: the caller gets 503, not 401, and tries again.</summary>
public sealed class RevocationFeedStaleException() : Exception("The Gatehouse revocation feed is stale.");

public static class GatehouseAuthentication
{
    /// <summary>The claims of a Gatehouse access token, as they are in the token.</summary>
    public const string UserIdClaim = "sub";
    public const string SessionClaim = "sid";
    public const string UsernameClaim = "preferred_username";
    public const string RoleClaim = "role";

    /// <summary>
    /// JwtBearer that accepts Gatehouse's access tokens (ES256 keys from its JWKS) in the
    /// Authorization header, or in its cookie on GET and HEAD, and refuses revoked sessions.
    /// </summary>
    public static IServiceCollection AddGatehouseAuthentication(this IServiceCollection services)
    {
        services.AddOptions<GatehouseOptions>().BindConfiguration(GatehouseOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatehouseOptions>, GatehouseOptionsValidator>();
        services.AddHttpClient(RevocationList.HttpClientName);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RevocationList>();
        services.AddHostedService(provider => provider.GetRequiredService<RevocationList>());

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<GatehouseOptions>>((bearer, options) => Configure(bearer, options.Value));
        return services;
    }

    private static void Configure(JwtBearerOptions bearer, GatehouseOptions gatehouse)
    {
        var authority = gatehouse.Authority!;
        // The JWK set is cached and fetched again for a key id it does not know (JwtBearer's
        // RefreshOnIssuerKeyNotFound), so a key Gatehouse rotates in is picked up by itself.
        bearer.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
            new Uri(authority, "/.well-known/jwks.json").AbsoluteUri,
            new JwksRetriever(),
            new HttpDocumentRetriever { RequireHttps = authority.Scheme == Uri.UriSchemeHttps })
        {
            AutomaticRefreshInterval = TimeSpan.FromMinutes(5), // the JWKS's own max-age
            RefreshInterval = TimeSpan.FromSeconds(30), // at most this often for unknown key ids
        };
        bearer.MapInboundClaims = false; // keep "sub", "sid" and "role" as Gatehouse names them
        bearer.IncludeErrorDetails = false; // why a token failed is for the log, not the caller
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = gatehouse.Issuer,
            ValidAudience = gatehouse.Audience,
            // Gatehouse signs with ES256 unless it is given a shared JWT_SECRET (HS256), which has no
            // public key to publish; one algorithm only refuses alg=none and key-confusion tricks.
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = ["at+jwt"],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = gatehouse.ClockSkew,
            NameClaimType = UsernameClaim,
            RoleClaimType = RoleClaim,
        };
        bearer.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                // The header wins. The cookie is read for GET and HEAD only: a browser sends cookies
                // with cross-site requests too, so a state-changing call must carry the header, which
                // another site cannot make a browser send (or add an Origin check, as Gatehouse does).
                var request = context.Request;
                if (string.IsNullOrEmpty(request.Headers.Authorization)
                    && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                    && ExactCookie(request, gatehouse.AccessCookie) is { Length: > 0 and <= 4096 } cookie)
                {
                    context.Token = cookie;
                }
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                // A valid signature is not enough: the session may have been logged out since the token was issued.
                var revocations = context.HttpContext.RequestServices.GetRequiredService<RevocationList>();
                var session = context.Principal?.FindFirst(SessionClaim)?.Value;
                if (string.IsNullOrEmpty(session))
                {
                    context.Fail("The token names no session.");
                }
                else if (!revocations.IsFresh)
                {
                    context.Fail(new RevocationFeedStaleException());
                }
                else if (revocations.IsRevoked(session))
                {
                    context.Fail("The session has been revoked.");
                }
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                if (context.AuthenticateFailure is not RevocationFeedStaleException)
                {
                    return; // 401 with WWW-Authenticate: Bearer; UseStatusCodePages adds the problem body
                }
                context.HandleResponse();
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "5";
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new()
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = 503, Title = "Service unavailable", Detail = "Sessions cannot be checked right now. Try again shortly." },
                });
            },
        };
    }

    /// <summary>
    /// The cookie named exactly <paramref name="name"/>, as Gatehouse reads its own: Request.Cookies
    /// folds case, so a planted <c>ACCESS_TOKEN</c> could pass for ours or hide it.
    /// </summary>
    private static string? ExactCookie(HttpRequest request, string name)
    {
        if (!request.Cookies.ContainsKey(name) || !Microsoft.Net.Http.Headers.CookieHeaderValue.TryParseList(request.Headers.Cookie, out var cookies))
        {
            return null;
        }
        string? value = null;
        foreach (var cookie in cookies)
        {
            if (cookie.Name.Equals(name, StringComparison.Ordinal))
            {
                value = Uri.UnescapeDataString(cookie.Value.ToString());
            }
        }
        return value;
    }
}
