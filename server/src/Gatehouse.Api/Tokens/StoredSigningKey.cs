using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// One ES256 key of the ring, as the database keeps it: every instance reads the same rows, so they
/// all sign with one key and verify with the same set.
/// </summary>
public sealed class StoredSigningKey
{
    public const int MaxKidLength = 64;
    public const int MaxPemLength = 2048;

    /// <summary>RFC 7638 thumbprint of the public key: the JWT header's <c>kid</c>.</summary>
    public string Kid { get; set; } = "";

    /// <summary>Order of creation, unique: the newest active key signs, and two instances racing to add the first key cannot both win.</summary>
    public long Sequence { get; set; }

    /// <summary>SubjectPublicKeyInfo PEM: published and used to verify even where the private half is unavailable.</summary>
    public string PublicKey { get; set; } = "";

    /// <summary>
    /// PKCS#8 PEM, encrypted under Gatehouse:Tokens:KeyPassphrase when one is set (plain only in
    /// Development without one). Null when the key lives in configuration (SigningKey/SigningKeyPath)
    /// and no passphrase was set to store it with.
    /// </summary>
    public string? PrivateKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it starts signing; until then it is only published, so verifiers learn it first.</summary>
    public DateTimeOffset ActivatesAt { get; set; }
}

/// <summary>Key ids and the private key's protection at rest, all with System.Security.Cryptography.</summary>
internal static class SigningKeyMaterial
{
    // OWASP's 2023 figure for PBKDF2-HMAC-SHA256; each instance pays it once per key, then caches.
    private const int Iterations = 600_000;

    public static string Kid(ECDsa ecdsa)
    {
        var publicKey = new ECDsaSecurityKey(ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false)));
        return Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromECDsaSecurityKey(publicKey).ComputeJwkThumbprint());
    }

    public static string Protect(ECDsa ecdsa, string? passphrase) =>
        string.IsNullOrEmpty(passphrase)
            ? ecdsa.ExportPkcs8PrivateKeyPem()
            : ecdsa.ExportEncryptedPkcs8PrivateKeyPem(passphrase, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Iterations));

    public static bool IsEncrypted(string pem) => pem.Contains("BEGIN ENCRYPTED PRIVATE KEY", StringComparison.Ordinal);

    /// <summary>The private key of a row, or why it cannot be had (never the key material itself).</summary>
    public static ECDsa? Unprotect(StoredSigningKey row, string? passphrase, out string problem)
    {
        problem = "";
        var ecdsa = ECDsa.Create();
        try
        {
            if (IsEncrypted(row.PrivateKey!))
            {
                if (string.IsNullOrEmpty(passphrase))
                {
                    problem = "it is encrypted and Gatehouse:Tokens:KeyPassphrase is not set here";
                    ecdsa.Dispose();
                    return null;
                }
                ecdsa.ImportFromEncryptedPem(row.PrivateKey, passphrase);
            }
            else
            {
                ecdsa.ImportFromPem(row.PrivateKey);
            }
        }
        catch (Exception exception) when (exception is ArgumentException or CryptographicException)
        {
            problem = "it cannot be decrypted: Gatehouse:Tokens:KeyPassphrase differs from the one that stored it (every instance needs the same value)";
            ecdsa.Dispose();
            return null;
        }
        if (!ConfiguredSigningKey.IsP256(ecdsa) || Kid(ecdsa) != row.Kid)
        {
            problem = "the stored private key does not match its kid";
            ecdsa.Dispose();
            return null;
        }
        return ecdsa;
    }
}
