using Gatehouse.Api.Email;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

/// <summary>What the web app must know to show the right forms: whether mail works and what an account needs.</summary>
public sealed record AuthConfigResponse(bool EmailEnabled, bool RequireEmail, bool RequireVerifiedEmail);

public static class AuthConfigEndpoint
{
    /// <summary>How long browsers and the web server may keep the answer: it changes only with a restart.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    /// <summary>
    /// <c>GET /auth/config</c>, anonymous: the sign-up and log-in pages need it before anyone signs in.
    /// It reveals only what those pages show anyway. It reads no database and no request data, so it
    /// costs less than a rate limiter's own bookkeeping and is left unlimited, like the JWKS, and may
    /// be cached for a minute.
    /// </summary>
    public static IEndpointRouteBuilder MapAuthConfig(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/auth/config", Get)
            .WithTags("Auth")
            .WithSummary("What this server offers and requires: mail on or off, whether sign-up needs an address and sign-in a verified one");
        return routes;
    }

    internal static Ok<AuthConfigResponse> Get(IOptions<EmailOptions> email, IOptions<AccountOptions> accounts, HttpResponse response)
    {
        response.Headers.CacheControl = $"public, max-age={(int)MaxAge.TotalSeconds}";
        return TypedResults.Ok(new AuthConfigResponse(email.Value.Enabled, accounts.Value.RequireEmail, accounts.Value.RequireVerifiedEmail));
    }
}
