namespace Gatehouse.Api.Audit;

/// <summary>One security event: who, from where, what, and how it ended. Never a password or token.</summary>
public sealed class AuditEvent
{
    public const int MaxNameLength = 32;

    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Event { get; set; } = "";

    /// <summary><c>success</c>, or the reason it failed (a code such as <c>invalid_credentials</c>).</summary>
    public string Outcome { get; set; } = "";

    public Guid? UserId { get; set; }
    public Guid? SessionId { get; set; }
    public string? IpAddress { get; set; }
    public string? UserAgent { get; set; }
}

/// <summary>The event names, stable for whoever queries the table.</summary>
public static class AuditEvents
{
    public const string SignIn = "sign_in";
    /// <summary>The account is locked for unknown clients (no device cookie of the account); known devices still get in.</summary>
    public const string Lockout = "lockout";

    /// <summary>One known device reached its own failure limit and is locked; the account is not.</summary>
    public const string DeviceLockout = "device_lockout";

    /// <summary>A known device signed in while the account was locked for unknown clients.</summary>
    public const string SignInDuringLockout = "sign_in_during_lockout";

    public const string Refresh = "refresh";
    public const string RefreshReuse = "refresh_reuse";
    public const string Logout = "logout";
    public const string LogoutAll = "logout_all";
    public const string SessionRevoked = "session_revoked";
    public const string PasswordChange = "password_change";
    public const string Register = "register";

    /// <summary>Sign-up named an address that is already registered (answered as a fresh sign-up; the owner is mailed).</summary>
    public const string SignUpAttemptExisting = "sign_up_attempt_existing";

    /// <summary>A verification mail was asked for; the outcome says whether one went out.</summary>
    public const string EmailVerificationSent = "email_verification_sent";

    /// <summary>A verification link's token was presented: success, or the token's code.</summary>
    public const string EmailVerified = "email_verified";

    // Account recovery (Accounts/): a reset asked for and done, an address change asked for and confirmed.
    public const string PasswordResetRequested = "password_reset_requested";
    public const string PasswordReset = "password_reset";
    public const string EmailChangeRequested = "email_change_requested";
    public const string EmailChanged = "email_changed";

    // Second factors, passkeys and step-up (Mfa/, Passkeys/).
    /// <summary>A right password met an account with a second factor: a pending sign-in began.</summary>
    public const string SecondFactorRequested = "second_factor_requested";
    /// <summary>A second factor was presented for a pending sign-in: success, or why not.</summary>
    public const string SecondFactor = "second_factor";
    public const string TotpEnabled = "totp_enabled";
    public const string TotpDisabled = "totp_disabled";
    public const string RecoveryCodesGenerated = "recovery_codes_generated";
    public const string RecoveryCodeUsed = "recovery_code_used";
    public const string PasskeyAdded = "passkey_added";
    public const string PasskeyRenamed = "passkey_renamed";
    public const string PasskeyRemoved = "passkey_removed";
    /// <summary>A sign-in with a passkey and no password: success, or why not.</summary>
    public const string PasskeySignIn = "passkey_sign_in";
    /// <summary>A step-up within a session: success, or why not.</summary>
    public const string Reauthenticate = "reauthenticate";

    public const string Success = "success";
}
