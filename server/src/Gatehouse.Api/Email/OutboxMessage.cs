namespace Gatehouse.Api.Email;

/// <summary>
/// One mail to send, written in the same transaction as the change that caused it, so a change is
/// never committed without its mail nor a mail sent for a change that was rolled back. The sender
/// (<see cref="OutboxSender"/>) claims a row before sending it, so several instances never send one twice.
/// </summary>
/// <remarks>
/// Times are UTC <see cref="DateTime"/>s, not <see cref="DateTimeOffset"/>s, because the sender compares
/// them in SQL and SQLite cannot compare <see cref="DateTimeOffset"/> columns there. The bodies may
/// carry a one-time link, so they are erased once the mail is sent or given up.
/// </remarks>
public sealed class OutboxMessage
{
    public const int MaxKindLength = 32;
    public const int MaxAddressLength = 256;
    public const int MaxSubjectLength = 200;
    public const int MaxErrorLength = 500;

    public Guid Id { get; set; }

    /// <summary>What the mail is (<see cref="MailKinds"/>): for logs and metrics, which never see its content.</summary>
    public string Kind { get; set; } = "";

    public string To { get; set; } = "";
    public string Subject { get; set; } = "";
    public string? TextBody { get; set; }
    public string? HtmlBody { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Not sent before this time: now for a new mail, later after a failed attempt.</summary>
    public DateTime NextAttemptAt { get; set; }

    public int Attempts { get; set; }

    /// <summary>Set by the instance that is sending it; another may take it over once this has passed.</summary>
    public DateTime? ClaimedUntil { get; set; }

    public DateTime? SentAt { get; set; }

    /// <summary>Set when the sender gave up (a dead letter, logged); the mail is never tried again.</summary>
    public DateTime? GaveUpAt { get; set; }

    /// <summary>The last failure's reason from the SMTP exchange: never an address's password or the body.</summary>
    public string? LastError { get; set; }
}

/// <summary>The kinds of mail Gatehouse sends, stable for logs and metrics.</summary>
public static class MailKinds
{
    public const string VerifyEmail = "verify_email";
    public const string SignUpAttempt = "sign_up_attempt";
    public const string PasswordReset = "password_reset";
    public const string PasswordResetDone = "password_reset_done";
    public const string PasswordChanged = "password_changed";
    public const string ConfirmEmailChange = "confirm_email_change";
    public const string EmailChangeRequested = "email_change_requested";
    public const string EmailChanged = "email_changed";
    public const string AccountLocked = "account_locked";
    public const string NewDeviceSignIn = "new_device_sign_in";
    public const string RecoveryCodeUsed = "recovery_code_used";
    public const string TotpEnabled = "totp_enabled";
    public const string TotpDisabled = "totp_disabled";
    public const string RecoveryCodesGenerated = "recovery_codes_generated";
    public const string PasskeyAdded = "passkey_added";
    public const string PasskeyRemoved = "passkey_removed";
    public const string PasswordResetRequired = "password_reset_required";
}
