using Gatehouse.Api.Data;
using Gatehouse.Api.Email;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

/// <summary><c>Gatehouse:Email:NewDeviceNotices</c> (default true): mail the owner when a new browser signs in.</summary>
public sealed class SignInNoticeOptions
{
    public const string Section = "Gatehouse:Email";

    public bool NewDeviceNotices { get; set; } = true;
}

/// <summary>
/// The security notices of the sign-in path, to the account's verified address only (an unverified
/// one may not be the owner's). Each mail is staged in the request's unit of work, so it commits with
/// the sign-in's or the failure's own writes, or not at all.
/// </summary>
public sealed class SignInNotices(
    GatehouseDbContext db, MailOutbox outbox, AccountMails mails, IOptions<EmailOptions> email,
    IOptions<SignInNoticeOptions> options, IOptions<IdentityOptions> identity)
{
    /// <summary>
    /// A successful sign-in from a browser without a device cookie of the account. Not for the
    /// account's first browser: while the account has no known device at all (just signed up, or every
    /// device forgotten) a sign-in is its owner's first, and a "new browser" mail would say nothing.
    /// Call before this browser is made known.
    /// </summary>
    public async Task NewDeviceAsync(HttpContext http, User user)
    {
        if (!email.Value.Enabled || !options.Value.NewDeviceNotices || !HasVerifiedAddress(user))
        {
            return;
        }
        if (await db.KnownDevices.AnyAsync(d => d.UserId == user.Id, CancellationToken.None))
        {
            outbox.Enqueue(mails.NewDeviceSignIn(user.Email!, user.UserName!, http));
        }
    }

    /// <summary>The account was just locked for unknown clients (FailedSignIns); one read, only then.</summary>
    public async Task AccountLockedAsync(HttpContext http, Guid userId)
    {
        if (!email.Value.Enabled)
        {
            return;
        }
        var owner = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.UserName, u.Email, u.EmailConfirmed })
            .SingleOrDefaultAsync(CancellationToken.None);
        if (owner is { Email: not null, EmailConfirmed: true })
        {
            var lockout = identity.Value.Lockout;
            outbox.Enqueue(mails.AccountLocked(owner.Email, owner.UserName!, lockout.DefaultLockoutTimeSpan, lockout.MaxFailedAccessAttempts, http));
        }
    }

    private static bool HasVerifiedAddress(User user) => user.EmailConfirmed && !string.IsNullOrEmpty(user.Email);
}
