namespace Gatehouse.Api.Tokens;

public static class JwksEndpoint
{
    public sealed record JwkSet(IReadOnlyList<PublicJwk> Keys);

    /// <summary>
    /// The public keys that verify tokens now: the signing key, a rotated-in key before it signs, and
    /// a replaced key until its last token expires. Other services (the Next.js proxy) verify with them.
    /// </summary>
    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/.well-known/jwks.json", (SigningKeys keys, HttpResponse response) =>
            {
                // Verifiers may cache the set; they refetch when they meet an unknown kid. A new key is
                // listed KeyActivationDelay before it signs, longer than this max-age.
                response.Headers.CacheControl = $"public, max-age={(int)TokenOptions.JwksMaxAge.TotalSeconds}";
                return TypedResults.Ok(new JwkSet(keys.PublicKeys));
            })
            .WithTags("Tokens")
            .WithSummary("Public keys that verify access tokens (JWK set)");
        return routes;
    }
}
