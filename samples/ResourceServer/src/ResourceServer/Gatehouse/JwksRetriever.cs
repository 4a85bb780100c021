using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ResourceServer.Gatehouse;

/// <summary>
/// Reads Gatehouse's <c>/.well-known/jwks.json</c> for JwtBearer's configuration manager, which
/// caches it and fetches it again when a token names a key it does not know (a rotated-in key).
/// Gatehouse publishes a JWK set, not an OpenID Connect discovery document, so this stands in for
/// the discovery retriever and fills in only the signing keys.
/// </summary>
internal sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        var keys = new JsonWebKeySet(await retriever.GetDocumentAsync(address, cancel));
        var configuration = new OpenIdConnectConfiguration { JsonWebKeySet = keys };
        foreach (var key in keys.GetSigningKeys())
        {
            configuration.SigningKeys.Add(key);
        }
        return configuration;
    }
}
