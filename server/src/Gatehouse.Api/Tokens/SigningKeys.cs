using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// The key that signs access tokens and the keys that verify them. ES256 by default: the keys come
/// from the <see cref="SigningKeyRing"/> every instance shares, and other services verify with the
/// public halves from the JWKS. With a shared secret (JWT_SECRET) tokens are HS256 with that one
/// key, the JWKS is empty (a secret is never published) and there is no rotation.
/// </summary>
public sealed class SigningKeys
{
    private readonly SigningKeyRing _ring;
    private readonly SymmetricSecurityKey? _secret;

    public SigningKeys(IOptions<TokenOptions> options, SigningKeyRing ring)
    {
        _ring = ring;
        var settings = options.Value;
        if (settings.UsesSharedSecret)
        {
            _secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.Secret!));
            // The kid is a thumbprint of the key; for a 32+ byte secret a hash reveals nothing usable.
            _secret.KeyId = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromSymmetricSecurityKey(_secret).ComputeJwkThumbprint());
        }
        Algorithm = UsesSharedSecret ? SecurityAlgorithms.HmacSha256 : SecurityAlgorithms.EcdsaSha256;
    }

    /// <summary>ES256 or HS256: the only algorithm tokens are signed with and the only one accepted.</summary>
    public string Algorithm { get; }

    public bool UsesSharedSecret => _secret is not null;

    /// <summary>The shared secret in HS256 mode; null with ES256, whose keys are found by kid.</summary>
    public SecurityKey? SharedSecret => _secret;

    /// <summary>Signs with the ring's current key (or the secret), naming it in the header's kid.</summary>
    public SigningCredentials Credentials => new(_secret ?? (SecurityKey)_ring.Signer.PrivateKey!, Algorithm);

    /// <summary>What <c>/.well-known/jwks.json</c> publishes: public keys only, a new key before it signs.</summary>
    public IReadOnlyList<PublicJwk> PublicKeys =>
        UsesSharedSecret ? [] : _ring.VerificationKeys.Select(k => k.Jwk).ToList();

    /// <summary>The key a token's kid names, if it may verify now; nothing for an unknown or retired kid.</summary>
    public IEnumerable<SecurityKey> Resolve(string? kid) =>
        _ring.VerificationKeys.Where(k => k.Kid == kid).Select(k => k.PublicKey);

    /// <summary>
    /// Whether the key a token named when it was verified may still verify: a key that has left the
    /// ring (retired, or removed by hand) takes its remembered tokens with it. The one secret never leaves.
    /// </summary>
    public bool StillVerifies(string? kid) => UsesSharedSecret || _ring.Verifies(kid);
}

/// <summary>A public key as RFC 7517 JWK.</summary>
public sealed record PublicJwk(string Kty, string Crv, string X, string Y, string Kid, string Use, string Alg);
