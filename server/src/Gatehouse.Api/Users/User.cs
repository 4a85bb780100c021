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
}
