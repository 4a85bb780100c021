using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Users;

/// <summary>An account. Identity supplies the name, email, password hash and lockout columns.</summary>
public sealed class User : IdentityUser<Guid>
{
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// Whether sign-in asks for an authenticator app's code. Identity's <c>TwoFactorEnabled</c> says
    /// whether any second factor (an authenticator app or a passkey) is required at all.
    /// </summary>
    public bool TotpEnabled { get; set; }

    /// <summary>
    /// The last TOTP time step accepted for this user. A code is accepted only for a later step, by a
    /// conditional update of this column, so a code works once, on every instance (RFC 6238 §5.2).
    /// </summary>
    public long? TotpLastStep { get; set; }

    /// <summary>
    /// When an administrator disabled the account, UTC (null: enabled; UTC DateTime so SQLite can compare and sort it). A disabled account cannot sign in by
    /// any path and its sessions were revoked when it was disabled. Only an administrator enables it again.
    /// </summary>
    public DateTime? DisabledAt { get; set; }

    /// <summary>
    /// An administrator asked for a new password: sign-in is refused (by every path) until the user
    /// completes a password reset, which clears this.
    /// </summary>
    public bool PasswordResetRequired { get; set; }

    /// <summary>When the account last began a session, UTC (any sign-in path; set by Auth/SignIns in the sign-in's own statement).</summary>
    public DateTime? LastSignInAt { get; set; }
}
