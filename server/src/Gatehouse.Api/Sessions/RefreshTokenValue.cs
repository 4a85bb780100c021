using System.Buffers.Text;
using System.Security.Cryptography;

namespace Gatehouse.Api.Sessions;

/// <summary>
/// Refresh token values: 256 random bits, base64url in the cookie, SHA-256 in the database.
/// BCL primitives only (RandomNumberGenerator, SHA256, HKDF, AesGcm); nothing here is home-made crypto.
/// </summary>
public static class RefreshTokenValue
{
    public const int Bytes = 32;
    public const int EncodedLength = 43; // base64url of 32 bytes, unpadded
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private static readonly byte[] SealInfo = "gatehouse refresh-token successor v1"u8.ToArray();

    public static byte[] New() => RandomNumberGenerator.GetBytes(Bytes);

    public static string Encode(byte[] value) => Base64Url.EncodeToString(value);

    /// <summary>False for anything that is not exactly a token's shape; such input never reaches the database.</summary>
    public static bool TryDecode(string? text, out byte[] value)
    {
        value = [];
        if (text is null || text.Length != EncodedLength)
        {
            return false;
        }
        var buffer = new byte[Bytes];
        if (Base64Url.DecodeFromChars(text, buffer, out _, out var written) != System.Buffers.OperationStatus.Done || written != Bytes)
        {
            return false;
        }
        value = buffer;
        return true;
    }

    public static byte[] Hash(byte[] value) => SHA256.HashData(value);

    /// <summary>Encrypts the successor under a key only the predecessor's holder can derive.</summary>
    public static byte[] SealSuccessor(byte[] predecessor, byte[] successor, Guid successorId)
    {
        using var aes = new AesGcm(SealKey(predecessor), TagBytes);
        var sealedValue = new byte[NonceBytes + successor.Length + TagBytes];
        var nonce = sealedValue.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, successor, sealedValue.AsSpan(NonceBytes, successor.Length),
            sealedValue.AsSpan(NonceBytes + successor.Length), successorId.ToByteArray());
        return sealedValue;
    }

    public static bool TryUnsealSuccessor(byte[] predecessor, byte[] sealedValue, Guid successorId, out byte[] successor)
    {
        successor = [];
        if (sealedValue.Length != NonceBytes + Bytes + TagBytes)
        {
            return false;
        }
        using var aes = new AesGcm(SealKey(predecessor), TagBytes);
        var plain = new byte[Bytes];
        try
        {
            aes.Decrypt(sealedValue.AsSpan(0, NonceBytes), sealedValue.AsSpan(NonceBytes, Bytes),
                sealedValue.AsSpan(NonceBytes + Bytes), plain, successorId.ToByteArray());
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        successor = plain;
        return true;
    }

    private static byte[] SealKey(byte[] predecessor) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, predecessor, outputLength: 32, salt: [], info: SealInfo);
}
