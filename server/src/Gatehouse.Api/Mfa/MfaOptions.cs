using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Mfa;

/// <summary>Second-factor settings (<c>Gatehouse:Mfa</c>).</summary>
public sealed class MfaOptions
{
    public const string Section = "Gatehouse:Mfa";

    /// <summary>Every user must set up a second factor (an authenticator app or a passkey) after signing in.</summary>
    public bool Required { get; set; }

    /// <summary>
    /// The key that encrypts authenticator-app secrets at rest and keys the recovery codes' hashes: at
    /// least 32 bytes of randomness, e.g. <c>openssl rand -base64 32</c>. Every instance needs the same
    /// value. Required outside Development; Development uses a fixed key of its own.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>How long a right password waits for its second factor (the pending sign-in).</summary>
    public TimeSpan PendingSignInLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wrong codes a pending sign-in allows before it is used up (each also counts toward the account's lockout).</summary>
    public int MaxAttempts { get; set; } = 5;
}

/// <summary>Checks the second-factor settings; each message says how to fix the value.</summary>
internal sealed class MfaOptionsValidator(IHostEnvironment environment) : IValidateOptions<MfaOptions>
{
    /// <summary>
    /// Development's key when none is set: fixed, so a developer's enrolled apps survive restarts, and
    /// public, so it protects nothing. Refused outside Development.
    /// </summary>
    public static readonly string DevelopmentOnlyEncryptionKey = Convert.ToBase64String("DEVELOPMENT-ONLY-gatehouse-mfa-k"u8);

    private const string HowTo = "set Gatehouse:Mfa:EncryptionKey (environment: Gatehouse__Mfa__EncryptionKey) to 32 random bytes in base64, e.g. the output of `openssl rand -base64 32`, the same on every instance";

    public ValidateOptionsResult Validate(string? name, MfaOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.EncryptionKey))
        {
            failures.Add($"Gatehouse:Mfa:EncryptionKey is not set; it encrypts authenticator-app keys and keys the recovery codes' hashes: {HowTo}.");
        }
        else if (!TryDecode(options.EncryptionKey, out var key) || key.Length < 32)
        {
            // Never the value itself: it is a secret, and start-up failures end up in logs.
            failures.Add($"Gatehouse:Mfa:EncryptionKey is not base64 of at least 32 bytes: {HowTo}.");
        }
        else if (options.EncryptionKey == DevelopmentOnlyEncryptionKey && !environment.IsDevelopment())
        {
            failures.Add($"Gatehouse:Mfa:EncryptionKey is Development's public key, which protects nothing: {HowTo}.");
        }
        if (options.PendingSignInLifetime <= TimeSpan.Zero || options.PendingSignInLifetime > TimeSpan.FromHours(1))
        {
            failures.Add($"Gatehouse:Mfa:PendingSignInLifetime is {options.PendingSignInLifetime}; use up to 01:00:00 (default 00:05:00).");
        }
        if (options.MaxAttempts is < 1 or > 100)
        {
            failures.Add($"Gatehouse:Mfa:MaxAttempts is {options.MaxAttempts}; use 1 to 100 (default 5).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool TryDecode(string text, out byte[] key)
    {
        key = new byte[text.Length];
        return Convert.TryFromBase64String(text.Trim(), key, out var written) && (key = key[..written]).Length > 0;
    }
}
