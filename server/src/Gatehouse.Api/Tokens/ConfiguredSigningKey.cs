using System.Security.Cryptography;
using System.Text;
using Gatehouse.Api.Data;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// The ES256 key named in configuration (<c>SigningKey</c> PEM or <c>SigningKeyPath</c>), or in
/// Development a key file kept beside the database. It seeds the key ring on first start, so a
/// deployment that had one key before the ring keeps its signed-in users.
/// </summary>
internal static partial class ConfiguredSigningKey
{
    public const string DevelopmentKeyFile = "signing-key.pem";

    public static bool TryLoad(TokenOptions options, out ECDsa? key, out string error)
    {
        key = null;
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
        if (!IsP256(ecdsa))
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

    public static bool IsP256(ECDsa ecdsa) =>
        ecdsa.KeySize == 256 && ecdsa.ExportParameters(includePrivateParameters: false).Curve.Oid?.Value == ECCurve.NamedCurves.nistP256.Oid.Value;

    /// <summary>
    /// The configured key, else in Development the kept key file. <paramref name="createInDevelopment"/>
    /// makes that file when it is missing (only when the ring is empty: a new file would not be in it).
    /// </summary>
    public static ECDsa? Load(TokenOptions options, IHostEnvironment environment, string dataDirectory, bool createInDevelopment, ILogger logger)
    {
        if (options.HasConfiguredKey)
        {
            return TryLoad(options, out var key, out var error) ? key : throw new InvalidOperationException(error);
        }
        if (!environment.IsDevelopment())
        {
            return null;
        }
        var path = Path.Combine(dataDirectory, DevelopmentKeyFile);
        if (File.Exists(path))
        {
            return LoadDevelopmentKey(path);
        }
        return createInDevelopment ? CreateDevelopmentKey(path, logger) : null;
    }

    private static ECDsa CreateDevelopmentKey(string path, ILogger logger)
    {
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        PrivateFiles.CreateFolder(Path.GetDirectoryName(path)!);
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
        TryLoad(new TokenOptions { SigningKeyPath = path }, out var key, out var error)
            ? key!
            : throw new InvalidOperationException($"The Development signing key {path} is unusable: {error} Delete the file and the database to start afresh (everyone signs in again).");

    // Expected on a first start in Development, so not a warning; outside Development there is no key file.
    [LoggerMessage(LogLevel.Information, "Created a Development signing key at {Path}. Outside Development set Gatehouse:Tokens:KeyPassphrase (Gatehouse keeps its keys in the database) or Gatehouse:Tokens:SigningKeyPath.")]
    private static partial void LogCreated(ILogger logger, string path);
}
