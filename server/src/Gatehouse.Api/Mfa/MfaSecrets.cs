using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Mfa;

/// <summary>
/// At-rest protection of second-factor secrets, under keys derived by HKDF from
/// <c>Gatehouse:Mfa:EncryptionKey</c>: authenticator keys sealed with AES-256-GCM, recovery codes kept
/// only as HMAC-SHA256 of the user id and the code. Each stored value starts with a short id of the key
/// that made it, so a later rotation can tell old values from new. Data Protection's key ring is sealed
/// the same way, under a key of its own (DataProtection/). BCL primitives only.
/// </summary>
public sealed class MfaSecrets
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const char Separator = ':';
    private static readonly byte[] SealInfo = "gatehouse mfa authenticator-key v1"u8.ToArray();
    private static readonly byte[] HashInfo = "gatehouse mfa recovery-code v1"u8.ToArray();
    private static readonly byte[] KeyIdInfo = "gatehouse mfa key-id v1"u8.ToArray();
    // Also the associated data of each sealed key element: a value sealed for another use does not open as one.
    private static readonly byte[] KeyRingInfo = "gatehouse data-protection key-ring v1"u8.ToArray();

    private readonly byte[] _sealKey;
    private readonly byte[] _hashKey;
    private readonly byte[] _keyRingKey;

    public MfaSecrets(IOptions<MfaOptions> options)
    {
        // The validator has checked the value (see MfaOptionsValidator); Development supplies its own.
        var master = Convert.FromBase64String(options.Value.EncryptionKey!);
        _sealKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: SealInfo);
        _hashKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: HashInfo);
        _keyRingKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, salt: [], info: KeyRingInfo);
        // Derived, not the key's own bytes: the id names the key without revealing anything of it.
        KeyId = "k" + Convert.ToHexStringLower(HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 4, salt: [], info: KeyIdInfo));
    }

    /// <summary>The id of the configured key (<c>k</c> and 8 hex digits), the prefix of every value it protects.</summary>
    public string KeyId { get; }

    /// <summary>Seals an authenticator key for one user: <c>{keyId}:{base64(nonce, ciphertext, tag)}</c>.</summary>
    // The user id is the associated data: a sealed key copied to another user's row does not open.
    public string Seal(Guid userId, string authenticatorKey) => Seal(_sealKey, userId.ToByteArray(), authenticatorKey);

    /// <summary>The authenticator key, or false when the value was sealed under another key, for another user, or is not a sealed value.</summary>
    public bool TryOpen(Guid userId, string? stored, out string authenticatorKey) =>
        TryOpen(_sealKey, userId.ToByteArray(), stored, out authenticatorKey);

    /// <summary>
    /// Seals one of Data Protection's key elements for the database (DataProtection/SealedKeyXml.cs):
    /// the same sealing as an authenticator key, under a key derived for this use alone.
    /// </summary>
    public string SealKeyRingElement(string xml) => Seal(_keyRingKey, KeyRingInfo, xml);

    /// <summary>The key element's XML, or false when it was sealed under another key or is not a sealed value.</summary>
    public bool TryOpenKeyRingElement(string? stored, out string xml) => TryOpen(_keyRingKey, KeyRingInfo, stored, out xml);

    private string Seal(byte[] key, byte[] associatedData, string value)
    {
        var plain = Encoding.UTF8.GetBytes(value);
        var sealedValue = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedValue.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plain, sealedValue.AsSpan(NonceBytes, plain.Length), sealedValue.AsSpan(NonceBytes + plain.Length), associatedData);
        return KeyId + Separator + Convert.ToBase64String(sealedValue);
    }

    private bool TryOpen(byte[] key, byte[] associatedData, string? stored, out string value)
    {
        value = "";
        if (!TrySplit(stored, out var sealedValue) || sealedValue.Length <= NonceBytes + TagBytes)
        {
            return false;
        }
        var plain = new byte[sealedValue.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        try
        {
            aes.Decrypt(sealedValue.AsSpan(0, NonceBytes), sealedValue.AsSpan(NonceBytes, plain.Length),
                sealedValue.AsSpan(NonceBytes + plain.Length), plain, associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        value = Encoding.UTF8.GetString(plain);
        return true;
    }

    /// <summary>What is stored of a recovery code: <c>{keyId}:{base64(HMAC-SHA256(user id, code))}</c>.</summary>
    public string HashCode(Guid userId, string code) => KeyId + Separator + Convert.ToBase64String(Mac(userId, code));

    /// <summary>Whether <paramref name="stored"/> is this key's hash of <paramref name="code"/> for this user; compared in constant time.</summary>
    public bool Matches(Guid userId, string code, string stored) =>
        TrySplit(stored, out var hash) && CryptographicOperations.FixedTimeEquals(hash, Mac(userId, code));

    /// <summary>Whether <paramref name="stored"/> was made under the configured key.</summary>
    public bool IsCurrent(string stored) => TrySplit(stored, out _);

    private byte[] Mac(Guid userId, string code)
    {
        // Identity's codes are upper case; a code typed in lower case or with spaces around it is the same code.
        var normalized = Encoding.UTF8.GetBytes(code.Trim().ToUpperInvariant());
        var message = new byte[16 + normalized.Length];
        userId.TryWriteBytes(message);
        normalized.CopyTo(message, 16);
        return HMACSHA256.HashData(_hashKey, message);
    }

    private bool TrySplit(string? stored, out byte[] value)
    {
        value = [];
        if (stored is null || stored.Length <= KeyId.Length + 1 || !stored.StartsWith(KeyId, StringComparison.Ordinal) || stored[KeyId.Length] != Separator)
        {
            return false;
        }
        try
        {
            value = Convert.FromBase64String(stored[(KeyId.Length + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
