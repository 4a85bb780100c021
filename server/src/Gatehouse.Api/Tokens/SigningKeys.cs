using System.Security.Cryptography;
using System.Text;
using Gatehouse.Api.Data;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// The key that signs access tokens and the keys that verify them. ES256 by default: the private key
/// stays here and other services verify with the public half from the JWKS. With a shared secret
/// (JWT_SECRET) tokens are HS256 and the JWKS is empty, since a secret is never published.
/// </summary>
public sealed partial class SigningKeys
{
    public const string DevelopmentKeyFile = "signing-key.pem";

    public SigningKeys(IOptions<TokenOptions> options, IOptions<DataOptions> data, IHostEnvironment environment, ILogger<SigningKeys> logger)
    {
        var settings = options.Value;
        if (settings.UsesSharedSecret)
        {
            var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(settings.Secret!));
            // The kid is a thumbprint of the key; for a 32+ byte secret a hash reveals nothing usable.
            key.KeyId = Base64UrlEncoder.Encode(JsonWebKeyConverter.ConvertFromSymmetricSecurityKey(key).ComputeJwkThumbprint());
            Algorithm = SecurityAlgorithms.HmacSha256;
            SigningKey = key;
            PublicKeys = [];
            return;
        }

        ECDsa ecdsa;
        if (!string.IsNullOrEmpty(settings.SigningKey) || !string.IsNullOrEmpty(settings.SigningKeyPath))
        {
            if (!TryLoadConfiguredKey(settings, out var loaded, out var error))
            {
                throw new InvalidOperationException(error);
            }
            ecdsa = loaded;
        }
        else
        {
            // Only reachable in Development (the options validator refuses it elsewhere): a key made on
            // first run and kept beside the database, so restarts keep everyone signed in.
            var path = Path.Combine(data.Value.ResolveDirectory(environment), DevelopmentKeyFile);
            ecdsa = LoadOrCreateDevelopmentKey(path, logger);
        }

        var ecKey = new ECDsaSecurityKey(ecdsa);
        var publicKey = new ECDsaSecurityKey(ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false)));
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(publicKey);
        ecKey.KeyId = publicKey.KeyId = Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        Algorithm = SecurityAlgorithms.EcdsaSha256;
        SigningKey = ecKey;
        PublicKeys = [new PublicJwk("EC", "P-256", jwk.X, jwk.Y, ecKey.KeyId, "sig", Algorithm)];
    }

    /// <summary>ES256 or HS256: the only algorithm tokens are signed with and the only one accepted.</summary>
    public string Algorithm { get; }

    public SecurityKey SigningKey { get; }

    public string KeyId => SigningKey.KeyId;

    public SigningCredentials Credentials => new(SigningKey, Algorithm);

    /// <summary>What <c>/.well-known/jwks.json</c> publishes: public keys only.</summary>
    public IReadOnlyList<PublicJwk> PublicKeys { get; }

    internal static bool TryLoadConfiguredKey(TokenOptions options, out ECDsa key, out string error)
    {
        key = null!;
        string pem;
        if (!string.IsNullOrEmpty(options.SigningKey))
        {
            pem = options.SigningKey;
        }
        else if (File.Exists(options.SigningKeyPath))
        {
            try
            {
                pem = File.ReadAllText(options.SigningKeyPath);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                error = $"Gatehouse:Tokens:SigningKeyPath '{options.SigningKeyPath}' cannot be read ({exception.Message}). Make it readable by the API's user.";
                return false;
            }
        }
        else
        {
            error = $"Gatehouse:Tokens:SigningKeyPath '{options.SigningKeyPath}' does not exist. Point it at a P-256 private key in PEM, or unset it.";
            return false;
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
        }
        catch (Exception exception) when (exception is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
            error = "The configured signing key is not a PEM-encoded EC private key. Create one with: openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt";
            return false;
        }
        var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
        if (ecdsa.KeySize != 256 || parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            ecdsa.Dispose();
            error = "The configured signing key is not on the P-256 curve, which ES256 requires. Create one with: openssl ecparam -name prime256v1 -genkey -noout";
            return false;
        }
        try
        {
            ecdsa.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            ecdsa.Dispose();
            error = "The configured signing key is a public key; Gatehouse needs the private key to sign tokens.";
            return false;
        }
        key = ecdsa;
        error = "";
        return true;
    }

    private static ECDsa LoadOrCreateDevelopmentKey(string path, ILogger logger)
    {
        if (File.Exists(path))
        {
            return LoadDevelopmentKey(path);
        }
        var ecdsa = ECDsa.Create();
        ecdsa.GenerateKey(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // owner only: it is a private key
        }
        try
        {
            using var writer = new StreamWriter(path, Encoding.ASCII, options);
            writer.Write(ecdsa.ExportPkcs8PrivateKeyPem());
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process made it first: use theirs, so both sign with one key.
            ecdsa.Dispose();
            return LoadDevelopmentKey(path);
        }
        LogCreated(logger, path);
        return ecdsa;
    }

    /// <summary>The kept Development key, held to the same checks as a configured one.</summary>
    private static ECDsa LoadDevelopmentKey(string path) =>
        TryLoadConfiguredKey(new TokenOptions { SigningKeyPath = path }, out var key, out var error)
            ? key
            : throw new InvalidOperationException($"The Development signing key {path} is unusable: {error} Delete the file to have a new one made (everyone signs in again).");

    [LoggerMessage(LogLevel.Warning, "Created a Development signing key at {Path}. Outside Development configure Gatehouse:Tokens:SigningKeyPath.")]
    private static partial void LogCreated(ILogger logger, string path);
}

/// <summary>A public key as RFC 7517 JWK.</summary>
public sealed record PublicJwk(string Kty, string Crv, string X, string Y, string Kid, string Use, string Alg);
