using Gatehouse.Api.Health;
using Gatehouse.Api.Hosting;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Sessions;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tokens;

public static class TokensExtensions
{
    public static IServiceCollection AddTokens(this IServiceCollection services)
    {
        services.AddOptions<TokenOptions>()
            .BindConfiguration(TokenOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (!string.IsNullOrEmpty(configuration["JWT_SECRET"]))
                {
                    options.Secret = configuration["JWT_SECRET"];
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokenOptions>, TokenOptionsValidator>();
        services.AddOptions<CookieSettings>().BindConfiguration(CookieSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CookieSettings>, CookieSettingsValidator>();

        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<SigningKeys>();
        // After AddGatehouseData's initializer: hosted services start in order, so the table exists.
        services.AddHostedService<SigningKeyRefresher>();
        // Before every other hosted service, the initializer included: only a head start for the
        // PBKDF2 runs, ignored when the table is not there yet (see SigningKeyRing.BeginPrefetch).
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, SigningKeyPrefetch>());
        services.AddHealthChecks().AddCheck<SigningKeysHealthCheck>("signingKeys", tags: [HealthExtensions.ReadyTag]);
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddSingleton<AuthCookies>();

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKeys, IOptions<TokenOptions>, TimeProvider, ValidatedTokenCache>(ConfigureJwtBearer);
        services.AddAuthorization();
        return services;
    }

    private static void ConfigureJwtBearer(
        JwtBearerOptions bearer, SigningKeys keys, IOptions<TokenOptions> options, TimeProvider time, ValidatedTokenCache cache)
    {
        var settings = options.Value;
        bearer.MapInboundClaims = false; // keep "sub" and "sid" as they are in the token
        // A token presented again is not verified again (see CachingJsonWebTokenHandler); the session
        // check below still runs for every request.
        bearer.TokenHandlers.Clear();
        bearer.TokenHandlers.Add(new CachingJsonWebTokenHandler(cache, keys) { MapInboundClaims = false });
        bearer.IncludeErrorDetails = false; // the reason a token failed is for our logs, not for the caller
        bearer.SaveToken = false; // nothing reads it back, and keeping it costs every request a copy in the ticket
        bearer.TimeProvider = time;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            // HS256: the one secret. ES256: the ring's key that the token's kid names, looked up per
            // token, so a key another instance just published verifies and a retired one does not.
            IssuerSigningKey = keys.SharedSecret,
            IssuerSigningKeyResolver = keys.UsesSharedSecret ? null : (_, _, kid, _) => keys.Resolve(kid),
            // One algorithm only: this refuses alg=none, and an HS256 token "signed" with our public key.
            ValidAlgorithms = [keys.Algorithm],
            ValidTypes = [AccessTokenIssuer.TokenType],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = settings.ClockSkew,
            // IdentityModel reads the system clock; judging expiry by the injected TimeProvider keeps
            // one clock for the whole app (and lets tests move it).
            LifetimeValidator = (notBefore, expires, _, parameters) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return expires is { } exp && now < exp + parameters.ClockSkew
                    && (notBefore is not { } nbf || nbf <= now + parameters.ClockSkew);
            },
            NameClaimType = JwtRegisteredClaimNames.Sub,
            RoleClaimType = AccessTokenIssuer.RoleClaim,
        };
        bearer.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                // The token travels in the httpOnly cookie, as in the original design. An Authorization
                // header is still read when there is no cookie, for API clients and tools.
                // Only the cookie of exactly our name counts (see AuthCookies.Find).
                var cookies = context.HttpContext.RequestServices.GetRequiredService<AuthCookies>();
                if (AuthCookies.Find(context.Request, cookies.AccessName) is { Length: > 0 } cookie)
                {
                    if (cookie.Length > AuthCookies.MaxLength)
                    {
                        context.NoResult();
                        return Task.CompletedTask;
                    }
                    context.Token = cookie;
                }
                return Task.CompletedTask;
            },
            OnTokenValidated = async context =>
            {
                // A valid signature is not enough: the session must still be live, so logout ends it.
                // A remembered token brings its user and session as read when it was verified.
                Guid userId, sessionId;
                if (context.SecurityToken is RememberedToken { Session: { } session })
                {
                    (userId, sessionId) = session;
                }
                else if (!context.Principal!.TryGetSession(out userId, out sessionId))
                {
                    context.Fail("The token does not name a user and a session.");
                    return;
                }
                var sessions = context.HttpContext.RequestServices.GetRequiredService<SessionGuard>();
                try
                {
                    if (!await sessions.IsActiveAsync(sessionId, userId, context.HttpContext.RequestAborted))
                    {
                        context.Fail("The session has ended.");
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // Unknown is not "signed out": a guarded route answers 503 (see OnChallenge), so a
                    // client does not send a signed-in user to the login page during an outage.
                    context.Fail(new SessionCheckUnavailableException(exception));
                }
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                var response = context.Response;
                if (context.AuthenticateFailure is SessionCheckUnavailableException)
                {
                    response.Headers.RetryAfter = "5";
                    await context.HttpContext.WriteProblemAsync(StatusCodes.Status503ServiceUnavailable,
                        "Service unavailable", "The session could not be checked. Try again shortly.", code: "unavailable");
                    return;
                }
                response.Headers.WWWAuthenticate = "Bearer";
                await context.HttpContext.WriteProblemAsync(StatusCodes.Status401Unauthorized,
                    "Unauthorized", AuthErrors.Unauthenticated.Message, code: AuthErrors.Unauthenticated.Code);
            },
        };
    }
}
