using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Gatehouse.Api.Users;

/// <summary>
/// Identity's password hasher, backed by libsodium's Argon2id (through NSec). Hashes are stored in the
/// PHC string format, <c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>, so each hash carries the
/// parameters it was made with and stronger settings apply at each user's next sign-in.
/// </summary>
public sealed class Argon2idPasswordHasher(IOptions<PasswordHashingOptions> options) : IPasswordHasher<User>
{
    private const string Prefix = "$argon2id$v=19$";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // Hashes written by Identity's default hasher (PBKDF2) still verify, and are upgraded on success.
    private readonly PasswordHasher<User> _legacy = new();

    public string HashPassword(User user, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var settings = options.Value;
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, settings.MemoryKiB, settings.Iterations, HashBytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}m={settings.MemoryKiB},t={settings.Iterations},p=1${Encode(salt)}${Encode(hash)}");
    }

    public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
    {
        ArgumentNullException.ThrowIfNull(hashedPassword);
        ArgumentNullException.ThrowIfNull(providedPassword);

        if (!hashedPassword.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return _legacy.VerifyHashedPassword(user, hashedPassword, providedPassword) == PasswordVerificationResult.Failed
                ? PasswordVerificationResult.Failed
                : PasswordVerificationResult.SuccessRehashNeeded;
        }
        if (!TryParse(hashedPassword, out var memoryKiB, out var iterations, out var salt, out var expected))
        {
            return PasswordVerificationResult.Failed;
        }

        var actual = Derive(providedPassword, salt, memoryKiB, iterations, expected.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordVerificationResult.Failed;
        }
        var settings = options.Value;
        return memoryKiB < settings.MemoryKiB || iterations < settings.Iterations
            ? PasswordVerificationResult.SuccessRehashNeeded
            : PasswordVerificationResult.Success;
    }

    private static byte[] Derive(string password, byte[] salt, int memoryKiB, int iterations, int length)
    {
        var parameters = new Argon2Parameters
        {
            DegreeOfParallelism = 1, // libsodium implements one lane only
            MemorySize = memoryKiB,
            NumberOfPasses = iterations,
        };
        return PasswordBasedKeyDerivationAlgorithm.Argon2id(parameters).DeriveBytes(password, salt, length);
    }

    private static bool TryParse(string phc, out int memoryKiB, out int iterations, out byte[] salt, out byte[] hash)
    {
        memoryKiB = iterations = 0;
        salt = hash = [];
        // "$argon2id$v=19$m=..,t=..,p=1$salt$hash" splits into "", "argon2id", "v=19", params, salt, hash.
        var parts = phc.Split('$');
        if (parts.Length != 6)
        {
            return false;
        }
        foreach (var pair in parts[3].Split(','))
        {
            var (key, value) = (pair.Split('=')[0], pair.Split('=').ElementAtOrDefault(1));
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }
            switch (key)
            {
                case "m": memoryKiB = number; break;
                case "t": iterations = number; break;
                case "p" when number == 1: break;
                default: return false;
            }
        }
        // Refuse parameters below a floor so a tampered row cannot turn verification into a no-op.
        if (memoryKiB < 8 || iterations < 1 || !TryDecode(parts[4], out salt) || !TryDecode(parts[5], out hash))
        {
            return false;
        }
        return salt.Length == SaltBytes && hash.Length >= 16;
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static bool TryDecode(string text, out byte[] bytes)
    {
        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        bytes = new byte[padded.Length];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }
        bytes = [];
        return false;
    }
}
