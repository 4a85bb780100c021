namespace Gatehouse.Api.Tokens;

public static class JwksEndpoint
{
    public sealed record JwkSet(IReadOnlyList<PublicJwk> Keys);

    /// <summary>The public signing keys, so other services (the Next.js proxy) verify tokens without calling us.</summary>
    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/.well-known/jwks.json", (SigningKeys keys, HttpResponse response) =>
            {
                // Verifiers may cache the set; they refetch when they meet an unknown kid.
                response.Headers.CacheControl = "public, max-age=300";
                return TypedResults.Ok(new JwkSet(keys.PublicKeys));
            })
            .WithTags("Tokens")
            .WithSummary("Public keys that verify access tokens (JWK set)");
        return routes;
    }
}
