namespace Gatehouse.Api.Sessions;

/// <summary>
/// One sign-in on one device. Access tokens name it in their <c>sid</c> claim and refresh tokens
/// belong to it, so revoking it ends both at once.
/// </summary>
public sealed class Session
{
    public const int MaxUserAgentLength = 512;
    public const int MaxIpAddressLength = 64;
    public const int MaxReasonLength = 32;

    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the session was last signed in or refreshed.</summary>
    public DateTimeOffset LastUsedAt { get; set; }

    /// <summary>The absolute end: no refresh carries the session past it.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The idle end: when the current refresh token expires unless it is used.</summary>
    public DateTimeOffset IdleExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Why it was revoked (<see cref="RevocationReasons"/>).</summary>
    public string? RevokedReason { get; set; }

    public string? UserAgent { get; set; }
    public string? IpAddress { get; set; }

    /// <summary>
    /// When the user last proved who they are in this session: at sign-in, and again at each
    /// re-authentication (step-up). Access tokens carry it as <c>auth_time</c>.
    /// </summary>
    public DateTimeOffset AuthenticatedAt { get; set; }

    /// <summary>How they proved it (<see cref="AuthMethods"/>, space-separated); access tokens carry it as <c>amr</c>.</summary>
    public string AuthMethods { get; set; } = Sessions.AuthMethods.Password;
}

/// <summary>
/// Authentication method references (RFC 8176) that sessions record and access tokens carry in <c>amr</c>.
/// </summary>
public static class AuthMethods
{
    public const int MaxLength = 64;

    /// <summary>A password.</summary>
    public const string Password = "pwd";

    /// <summary>A one-time code: an authenticator app's TOTP, or a recovery code.</summary>
    public const string OneTimeCode = "otp";

    /// <summary>A passkey bound to one device (not backed up).</summary>
    public const string HardwareKey = "hwk";

    /// <summary>A passkey that may be synced between devices (backup eligible).</summary>
    public const string SoftwareKey = "swk";

    /// <summary>More than one factor, or a passkey with user verification (which is possession plus a PIN or biometric).</summary>
    public const string MultiFactor = "mfa";

    /// <summary>An external identity provider vouched for the user (ExternalLogins/).</summary>
    public const string Federated = "fed";

    public static string Join(IEnumerable<string> methods) => string.Join(' ', methods.Distinct(StringComparer.Ordinal));

    public static string[] Split(string? methods) =>
        string.IsNullOrEmpty(methods) ? [] : methods.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Methods that include a second factor (or a passkey with user verification).</summary>
    public static bool IsMultiFactor(string? methods) => Split(methods).Contains(MultiFactor, StringComparer.Ordinal);
}

public static class RevocationReasons
{
    public const string Logout = "logout";
    public const string Revoked = "revoked";
    public const string LogoutAll = "logout_all";
    public const string PasswordChanged = "password_changed";
    public const string PasswordReset = "password_reset";
    public const string RefreshTokenReuse = "refresh_token_reuse";
    public const string Replaced = "replaced";
    public const string AdminRevoked = "admin_revoked";
    public const string Disabled = "account_disabled";
    public const string PasswordResetRequired = "password_reset_required";
    public const string AccountDeleted = "account_deleted";
}
