namespace Gatehouse.Api.Accounts;

/// <summary><c>Gatehouse:Accounts</c>: what sign-up asks for and what sign-in requires of an address.</summary>
public sealed class AccountOptions
{
    public const string Section = "Gatehouse:Accounts";

    /// <summary>Sign-up needs an email address (400 <c>email_required</c> without one). Accounts made before keep working without.</summary>
    public bool RequireEmail { get; set; } = true;

    /// <summary>
    /// Sign-in is refused (403 <c>email_unverified</c>) until the account's address is verified, and
    /// sign-up with a registered address answers as a fresh one does (202), so it reveals nothing.
    /// </summary>
    public bool RequireVerifiedEmail { get; set; }

    /// <summary>
    /// Whether <paramref name="user"/>, who has just proven who they are, must verify their address
    /// before a session (an account without an address, made before addresses were required, may not).
    /// The password and passkey sign-ins both ask here.
    /// </summary>
    public bool WithholdsSignIn(Users.User user) => RequireVerifiedEmail && user is { Email.Length: > 0, EmailConfirmed: false };

    /// <summary>
    /// Why <paramref name="user"/>, who has just proven who they are, gets no session: disabled or owing
    /// a new password (<see cref="Users.AccountStanding"/>), else an address to verify; null when none.
    /// Every sign-in asks here, in this order, after the credential and before a second factor.
    /// </summary>
    public Auth.AuthError? SignInRefusal(Users.User user) =>
        Users.AccountStanding.Refusal(user) ?? (WithholdsSignIn(user) ? Auth.AuthErrors.EmailUnverified : null);
}
