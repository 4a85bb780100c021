namespace Gatehouse.Api.Mfa;

/// <summary>
/// A short-lived, single-use step of a sign-in that is not finished yet: a password sign-in waiting for
/// its second factor, or a WebAuthn ceremony waiting for the authenticator's answer. The client holds a
/// random value (in an httpOnly cookie or a ceremony id); only its SHA-256 hash is stored. Kept in the
/// database, so any instance can finish what another began, and a conditional update decides the one
/// use however many requests race for it.
/// </summary>
/// <remarks>UTC <see cref="DateTime"/>s, compared in SQL (SQLite cannot compare <see cref="DateTimeOffset"/>s).</remarks>
public sealed class AuthChallenge
{
    public const int MaxKindLength = 32;
    public const int MaxMethodsLength = 64;
    public const int MaxStateLength = 8192;

    public Guid Id { get; set; }

    /// <summary>What the challenge is for (<see cref="AuthChallengeKinds"/>); one kind never serves another.</summary>
    public string Kind { get; set; } = "";

    /// <summary>SHA-256 of the value the client holds.</summary>
    public byte[] TokenHash { get; set; } = [];

    /// <summary>Whose sign-in or ceremony it is; null for a passwordless sign-in that has not named its user yet.</summary>
    public Guid? UserId { get; set; }

    /// <summary>The session a signed-in ceremony belongs to (adding a passkey, re-authenticating).</summary>
    public Guid? SessionId { get; set; }

    /// <summary>The user's security stamp when it began: a password change meanwhile voids it.</summary>
    public string? SecurityStamp { get; set; }

    /// <summary>The authentication methods proven so far (<see cref="Sessions.AuthMethods"/>, space-separated), e.g. "pwd".</summary>
    public string? Methods { get; set; }

    /// <summary>State a ceremony must get back unchanged (Identity's passkey attestation or assertion state).</summary>
    public string? State { get; set; }

    /// <summary>Wrong answers so far; the challenge is spent at the limit.</summary>
    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }

    /// <summary>When it was used up (finished, or too many wrong answers).</summary>
    public DateTime? ConsumedAt { get; set; }
}

public static class AuthChallengeKinds
{
    /// <summary>A right password (or other first factor) waiting for the second factor.</summary>
    public const string PendingSignIn = "pending_sign_in";
    public const string PasskeyRegistration = "passkey_registration";
    public const string PasskeyAssertion = "passkey_assertion";
    /// <summary>An external sign-in whose verified address is an existing account's: linked once that account signs in (ExternalLogins/).</summary>
    public const string ExternalLinkPending = "external_link_pending";
    /// <summary>A signed-in user's single-use permission to link a provider, bound to their session (ExternalLogins/).</summary>
    public const string ExternalLinkIntent = "external_link_intent";
}
