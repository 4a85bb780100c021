using System.Security.Cryptography;
using System.Xml.Linq;
using Gatehouse.Api.Mfa;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Gatehouse.Api.DataProtection;

/// <summary>
/// Seals the secret part of each Data Protection key (its <c>&lt;masterKey&gt;</c>) before the key is
/// written to the database, with the sealing Gatehouse already uses for authenticator keys
/// (<see cref="MfaSecrets"/>: AES-256-GCM under a key derived from <c>Gatehouse:Mfa:EncryptionKey</c>).
/// A copy of the table alone opens nothing; every instance needs the same encryption key, as it
/// already does for second factors.
/// </summary>
public sealed class SealedKeyXmlEncryptor(MfaSecrets secrets) : IXmlEncryptor
{
    internal const string ElementName = "sealedByGatehouse";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new XElement(ElementName, secrets.SealKeyRingElement(plaintextElement.ToString(SaveOptions.DisableFormatting))),
            typeof(SealedKeyXmlDecryptor));
}

/// <summary>
/// Opens what <see cref="SealedKeyXmlEncryptor"/> sealed. Data Protection creates it by the type name
/// stored with the key, handing it the app's services.
/// </summary>
public sealed class SealedKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var secrets = services.GetRequiredService<MfaSecrets>();
        // Data Protection logs the failure and leaves the key out of the ring (never its contents).
        return encryptedElement.Name.LocalName == SealedKeyXmlEncryptor.ElementName && secrets.TryOpenKeyRingElement(encryptedElement.Value, out var xml)
            ? XElement.Parse(xml)
            : throw new CryptographicException(
                $"A Data Protection key in the database was sealed under another Gatehouse:Mfa:EncryptionKey (this instance's key id is {secrets.KeyId}); " +
                "every instance needs the same value.");
    }
}
