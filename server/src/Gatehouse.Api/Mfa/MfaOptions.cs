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
