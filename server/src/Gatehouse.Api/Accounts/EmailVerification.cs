using Gatehouse.Api.Email;
using Gatehouse.Api.Users;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

/// <summary>
/// Stages a verification mail for a user's current address: a one-time token bound to that address
/// (24 h) and the outbox row carrying its link. The caller saves both with the change that asked for it.
/// </summary>
public sealed class EmailVerification(AccountTokens tokens, MailOutbox outbox, AccountMails mails, IOptions<EmailOptions> email)
{
    /// <summary>Stages the token and the mail; nothing while mail is off (<c>Gatehouse:Email:Enabled=false</c>).</summary>
    public void Stage(User user)
    {
        if (!email.Value.Enabled)
        {
            return;
        }
        var address = user.Email ?? throw new InvalidOperationException("Only an account with an address can verify it.");
        var token = tokens.Issue(user, AccountTokenPurposes.VerifyEmail, address, AccountMails.VerificationLifetime);
        outbox.Enqueue(mails.VerifyEmail(address, user.UserName!, token));
    }
}
