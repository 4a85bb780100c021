namespace Gatehouse.Api.Audit;

/// <summary>One security event: who, from where, what, and how it ended. Never a password or token.</summary>
public sealed class AuditEvent
{
    public const int MaxNameLength = 32;
    public const int MaxDetailLength = 128;

    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public string Event { get; set; } = "";

    /// <summary><c>success</c>, or the reason it failed (a code such as <c>invalid_credentials</c>).</summary>
    public string Outcome { get; set; } = "";

    /// <summary>The account the event is about.</summary>
    public Guid? UserId { get; set; }
    public Guid? SessionId { get; set; }

    /// <summary>Who acted, when not the account's owner: the administrator behind an admin action.</summary>
    public Guid? ActorId { get; set; }

    /// <summary>
    /// A short, non-secret detail of what was done (e.g. the role granted, the provider linked). Never a
    /// password, token, code, link or free text from the caller.
    /// </summary>
    public string? Detail { get; set; }
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

    // Administration (Admin/): every row names the acting administrator (ActorId).
    public const string AdminLock = "admin_lock";
    public const string AdminUnlock = "admin_unlock";
    public const string AdminDisable = "admin_disable";
    public const string AdminEnable = "admin_enable";
    public const string AdminRequirePasswordReset = "admin_require_password_reset";
    public const string AdminRevokeSession = "admin_revoke_session";
    public const string AdminRevokeSessions = "admin_revoke_sessions";
    /// <summary>A role was granted (Detail: its name), by an administrator or the command line.</summary>
    public const string RoleGranted = "role_granted";
    /// <summary>A role was taken away (Detail: its name), by an administrator or the command line.</summary>
    public const string RoleRevoked = "role_revoked";
    public const string AdminDeleteUser = "admin_delete_user";
    /// <summary>The owner deleted their account (the row keeps the user id only).</summary>
    public const string AccountDeleted = "account_deleted";

    /// <summary>An action that found nothing to change (a role already granted, one not held).</summary>
    public const string Unchanged = "unchanged";
    /// <summary>An admin opened one account's detail (GET /admin/users/{id}); ActorId names them.</summary>
    public const string AdminUserViewed = "admin_user_viewed";

    /// <summary>An administrator downloaded the audit log as CSV (ActorId: the administrator; UserId: the filter's user, if any).</summary>
    public const string AdminAuditExport = "admin_audit_export";

    /// <summary>The account's owner downloaded their own data.</summary>
    public const string AccountExported = "account_exported";

    // External identity providers (ExternalLogins/); the row's Detail names the provider.
    /// <summary>A sign-in through a provider: success (a session or a pending second factor), or why not.</summary>
    public const string ExternalSignIn = "external_sign_in";
    /// <summary>An external sign-in failed before an account was known: the reason (denied, unavailable, …).</summary>
    public const string ExternalSignInFailed = "external_sign_in_failed";
    /// <summary>A provider's verified address is an existing account's: a pending link waits for that account's sign-in.</summary>
    public const string ExternalLinkPending = "external_link_pending";
    public const string ExternalLoginLinked = "external_login_linked";
    public const string ExternalLoginUnlinked = "external_login_unlinked";

    public const string Success = "success";
}
