using Gatehouse.Api.Email;
using Gatehouse.Api.Users;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

/// <summary>
/// The mails of password reset and email change, one template each, put in the outbox of the
/// request's unit of work (saved with the change that caused them). Links come from
/// <see cref="PublicWebSettings"/> only, never from the request.
/// </summary>
/// <remarks>
/// Notices (something happened to the account) go to a <b>verified</b> address only: an address typed
/// wrong at sign-up belongs to a stranger, who must learn nothing of the account, let alone get a reset
/// link. The mails that carry a link someone asked for (a reset, a confirmation) go to the address the
/// link is for; following it is what proves the address.
/// </remarks>
public sealed class SecurityNotices(MailComposer composer, MailOutbox outbox, IOptions<PublicWebSettings> web)
{
    public static readonly TimeSpan ResetLifetime = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan ChangeEmailLifetime = TimeSpan.FromHours(24);

    public const string ResetPasswordPage = "/auth/reset-password";
    public const string ConfirmEmailPage = "/auth/confirm-email";
    public const string ForgotPasswordPage = "/auth/forgot-password";
    public const string SecurityPage = "/dashboard/security";

    private PublicWebSettings Web => web.Value;

    /// <summary>The address notices may go to: the user's, once verified.</summary>
    public static string? NoticeAddress(User user) => user.EmailConfirmed && !string.IsNullOrEmpty(user.Email) ? user.Email : null;

    /// <summary>The link someone asked for on the forgot-password page.</summary>
    public void ResetLink(User user, string to, string token) => outbox.Enqueue(composer.Compose(
        MailKinds.PasswordReset, to, "Reset your password",
        [
            $"Someone, hopefully you, asked to reset the password of the account {user.UserName}.",
            $"The link works once, for {ResetLifetime.TotalMinutes:0} minutes. Opening it changes nothing until you choose a new password.",
        ],
        ("Choose a new password", Web.Link(ResetPasswordPage, token)),
        "If you did not ask for this, ignore this mail: your password stays as it is."));

    /// <summary>
    /// An administrator asked for a new password: the account's reset link, to its address (verified or
    /// not: following the link proves it, as for a forgot-password link). Sign-in waits until it is done.
    /// </summary>
    public void ResetRequired(User user, string to, string token) => outbox.Enqueue(composer.Compose(
        MailKinds.PasswordResetRequired, to, "Choose a new password",
        [
            $"An administrator asked for a new password for the account {user.UserName}, and every device was signed out. You can sign in again once you have chosen one.",
            $"The link works once, for {ResetLifetime.TotalMinutes:0} minutes. After that, ask for a new one on the forgot-password page.",
        ],
        ("Choose a new password", Web.Link(ResetPasswordPage, token)),
        "If you were not expecting this, ask your administrator."));

    /// <summary>After a reset: every session has ended.</summary>
    public void PasswordReset(User user)
    {
        if (NoticeAddress(user) is not { } to)
        {
            return;
        }
        outbox.Enqueue(composer.Compose(
            MailKinds.PasswordResetDone, to, "Your password was reset",
            [
                $"The password of the account {user.UserName} was reset with a link sent to this address, and every device was signed out.",
            ],
            ("Forgot your password?", ForgotPasswordLink),
            "If this was not you, ask for a new reset link at once: it also signs out whoever did it."));
    }

    /// <summary>After a change of password by the signed-in user.</summary>
    public void PasswordChanged(User user)
    {
        if (NoticeAddress(user) is not { } to)
        {
            return;
        }
        outbox.Enqueue(composer.Compose(
            MailKinds.PasswordChanged, to, "Your password was changed",
            [
                $"The password of the account {user.UserName} was changed, and every other device was signed out.",
            ],
            ("Forgot your password?", ForgotPasswordLink),
            "If this was not you, reset your password at once with this link: it signs out whoever did it."));
    }

    /// <summary>A recovery code was spent (signing in or confirming it's you): with how many remain.</summary>
    public void RecoveryCodeUsed(User user, int remaining)
    {
        if (NoticeAddress(user) is not { } to)
        {
            return;
        }
        outbox.Enqueue(composer.Compose(
            MailKinds.RecoveryCodeUsed, to, "A recovery code was used",
            [
                $"One of the recovery codes of the account {user.UserName} was just used in place of the authenticator app or passkey. Each code works once.",
                remaining == 0
                    ? "No recovery codes remain: make new ones in your account's security settings before you need one."
                    : $"{remaining} recovery {(remaining == 1 ? "code remains" : "codes remain")}. If you are running low, make new ones in your account's security settings.",
            ],
            ("Forgot your password?", ForgotPasswordLink),
            "If this was not you, someone has your password and a recovery code: reset your password at once (it signs out every device) and make new recovery codes."));
    }

    /// <summary>The confirmation link, to the new address.</summary>
    public void ConfirmEmailChange(User user, string newEmail, string token) => outbox.Enqueue(composer.Compose(
        MailKinds.ConfirmEmailChange, newEmail, "Confirm your new address",
        [
            $"Someone signed in to the account {user.UserName} asked to use this address for it.",
            $"The address changes only once you confirm. The link works once, for {ChangeEmailLifetime.TotalHours:0} hours.",
        ],
        ("Confirm this address", Web.Link(ConfirmEmailPage, token)),
        "If you did not ask for this, ignore this mail: nothing changes."));

    /// <summary>To the old address, when a change was asked for: with a reset link to take the account back.</summary>
    public void EmailChangeRequested(User user, string oldEmail, string newEmail, string resetToken) => outbox.Enqueue(composer.Compose(
        MailKinds.EmailChangeRequested, oldEmail, "A change of your address was asked for",
        [
            $"Someone signed in to the account {user.UserName} asked to change its address from this one to {newEmail}. It changes once the new address is confirmed.",
            $"If this was not you, reset your password now: that signs out every device and voids the change. The link works once, for {ResetLifetime.TotalMinutes:0} minutes.",
        ],
        ("Secure my account", Web.Link(ResetPasswordPage, resetToken)),
        "If it was you, there is nothing to do."));

    /// <summary>To the old address, once the change is confirmed: with a fresh reset link, as the account may be lost.</summary>
    public void EmailChanged(User user, string oldEmail, string newEmail, string resetToken) => outbox.Enqueue(composer.Compose(
        MailKinds.EmailChanged, oldEmail, "Your address was changed",
        [
            $"The address of the account {user.UserName} is now {newEmail}; this address no longer receives its mail.",
            $"If this was not you, reset your password now: that signs out every device. The link works once, for {ResetLifetime.TotalMinutes:0} minutes.",
        ],
        ("Secure my account", Web.Link(ResetPasswordPage, resetToken)),
        "If it was you, there is nothing to do."));

    /// <summary>An authenticator app now guards sign-in.</summary>
    public void TotpEnabled(User user) => Notice(user, MailKinds.TotpEnabled, "An authenticator app was set up",
        $"Signing in to the account {user.UserName} now asks for a code from an authenticator app as well as the password.");

    /// <summary>The authenticator app no longer guards sign-in: the mail an intruder would least want sent.</summary>
    public void TotpDisabled(User user) => Notice(user, MailKinds.TotpDisabled, "The authenticator app was turned off",
        $"Signing in to the account {user.UserName} no longer asks for a code from an authenticator app.");

    /// <summary>New recovery codes replaced the old ones.</summary>
    public void RecoveryCodesGenerated(User user) => Notice(user, MailKinds.RecoveryCodesGenerated, "New recovery codes were made",
        $"New recovery codes were made for the account {user.UserName}; the earlier ones no longer work.");

    /// <summary>A second-factor change, to a verified address only; never a code or key, only that it happened.</summary>
    private void Notice(User user, string kind, string subject, string what)
    {
        if (NoticeAddress(user) is not { } to)
        {
            return;
        }
        outbox.Enqueue(composer.Compose(kind, to, subject, [what],
            ("Forgot your password?", ForgotPasswordLink),
            "If this was not you, reset your password at once with this link: it signs out every device."));
    }

    /// <summary>A passkey was added: whoever holds it can now sign in without the password.</summary>
    public void PasskeyAdded(User user, string name)
    {
        if (NoticeAddress(user) is not { } to)
        {
            return;
        }
        outbox.Enqueue(composer.Compose(
            MailKinds.PasskeyAdded, to, "A passkey was added to your account",
            [
                $"A passkey named \"{name}\" was added to the account {user.UserName}. It can sign in to the account without the password.",
            ],
            ("Review your passkeys", Web.BaseUrl + SecurityPage),
            "If this was not you, reset your password at once (it signs out every device) and delete the passkey."));
    }

    /// <summary>A passkey was deleted.</summary>
    public void PasskeyRemoved(User user, string name)
    {
        if (NoticeAddress(user) is not { } to)
        {
            return;
        }
        outbox.Enqueue(composer.Compose(
            MailKinds.PasskeyRemoved, to, "A passkey was removed from your account",
            [
                $"The passkey named \"{name}\" was removed from the account {user.UserName}; it can no longer sign in.",
            ],
            ("Review your passkeys", Web.BaseUrl + SecurityPage),
            "If this was not you, reset your password at once: it signs out whoever did it."));
    }

    private string ForgotPasswordLink => Web.BaseUrl + ForgotPasswordPage;
}
