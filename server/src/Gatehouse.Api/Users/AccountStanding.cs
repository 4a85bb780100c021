using Gatehouse.Api.Auth;

namespace Gatehouse.Api.Users;

/// <summary>
/// The one rule of an administrator's hold on an account, asked by every way in (password, second
/// factor, passkey, step-up, an external provider, and last of all Auth/SignIns): a disabled account
/// (403 <c>account_disabled</c>) and one that must choose a new password (403
/// <c>password_reset_required</c>) begin no session and renew no authentication.
/// </summary>
/// <remarks>
/// Ask it only once the caller has proven who they are (the right password, code or passkey), as the
/// lockout's generic 401 comes first: a wrong password on a disabled account must answer what any
/// wrong password does, so that only someone who knows the credential learns of the hold.
/// </remarks>
public static class AccountStanding
{
    /// <summary>Why <paramref name="user"/> (as stored now) may not authenticate, or null when it may.</summary>
    public static AuthError? Refusal(User user) =>
        user.DisabledAt is not null ? AuthErrors.AccountDisabled
        : user.PasswordResetRequired ? AuthErrors.PasswordResetRequired
        : null;
}
