using Gatehouse.Api.Admin;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Users;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Accounts;

public enum AccountDeletionOutcome
{
    Deleted,
    NotFound,
    /// <summary>The account is the last administrator's (see <see cref="AdminUserActionRules.IsLastAdminAsync"/>).</summary>
    LastAdmin,
}

/// <summary>
/// Deletes an account and every row of its personal data, for the owner (<c>DELETE /auth/account</c>)
/// and for an administrator (<c>DELETE /admin/users/{id}</c>) alike: in one transaction, so nothing is
/// left half-deleted, after revoking every session here and (through the fan-out) on every instance.
/// </summary>
/// <remarks>
/// The audit log keeps its rows (the record of what happened outlives the account), with the user id
/// only: the client address and user agent of every row about the account, or made by it as an
/// administrator, are cleared, as they are personal data and the id alone names no one once the
/// account is gone. <see cref="AuditEvent.Detail"/> is kept: it is never personal (a role's name, a
/// provider's id; see its contract) and says what was done. <see cref="AuditEvent.ActorId"/> is kept:
/// it names an administrator's account, not the deleted person.
/// </remarks>
public sealed class AccountDeletion(GatehouseDbContext db, SessionStore sessions, AuditLog audit, UserProfiles profiles)
{
    /// <summary>
    /// Deletes <paramref name="userId"/>'s account. <paramref name="actorId"/> is the administrator who
    /// asked, or null when the owner did (whose own request's address is then not recorded either).
    /// </summary>
    public async Task<AccountDeletionOutcome> DeleteAsync(Guid userId, Guid? actorId, HttpContext http)
    {
        // Not cancellable: a client that hangs up mid-way must not leave half an account.
        var none = CancellationToken.None;
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        if (await AdminUserActionRules.IsLastAdminAsync(db, userId, none))
        {
            await transaction.RollbackAsync(none);
            return AccountDeletionOutcome.LastAdmin;
        }
        var email = await db.Users.Where(u => u.Id == userId).Select(u => new { u.Email }).SingleOrDefaultAsync(none);
        if (email is null)
        {
            await transaction.RollbackAsync(none);
            return AccountDeletionOutcome.NotFound;
        }

        // Every session ends first, in every instance's cache (their rows go below): the access tokens
        // out there are refused from now on, not when they expire.
        await sessions.RevokeAllAsync(userId, RevocationReasons.AccountDeleted);

        // Mail to the account: its address now, and the addresses its links were sent to (a change of
        // address names the new one). Sent mails too: their bodies are erased once sent, but the row
        // still holds the address.
        var addresses = await db.AccountTokens.Where(t => t.UserId == userId && t.Email != null).Select(t => t.Email!).Distinct().ToListAsync(none);
        if (email.Email is { Length: > 0 } current)
        {
            addresses.Add(current);
        }
        await db.Outbox.Where(m => addresses.Contains(m.To)).ExecuteDeleteAsync(none);

        // Each table by name, not by the schema's cascades: what is deleted is read here, and a table a
        // later feature adds without a cascade is not silently kept.
        var sessionIds = db.Sessions.Where(s => s.UserId == userId).Select(s => s.Id);
        await db.RefreshTokens.Where(t => sessionIds.Contains(t.SessionId)).ExecuteDeleteAsync(none);
        await db.Sessions.Where(s => s.UserId == userId).ExecuteDeleteAsync(none);
        await db.KnownDevices.Where(d => d.UserId == userId).ExecuteDeleteAsync(none);
        await db.AccountTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(none);
        await db.AuthChallenges.Where(c => c.UserId == userId).ExecuteDeleteAsync(none);
        await db.UserPasskeys.Where(p => p.UserId == userId).ExecuteDeleteAsync(none);
        await db.UserLogins.Where(l => l.UserId == userId).ExecuteDeleteAsync(none);
        await db.UserTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(none);
        await db.UserClaims.Where(c => c.UserId == userId).ExecuteDeleteAsync(none);
        await db.UserRoles.Where(r => r.UserId == userId).ExecuteDeleteAsync(none);
        await db.Users.Where(u => u.Id == userId).ExecuteDeleteAsync(none);
        await db.AuditEvents.Where(a => a.UserId == userId || a.ActorId == userId)
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.IpAddress, (string?)null).SetProperty(a => a.UserAgent, (string?)null), none);

        if (actorId is { } admin)
        {
            // The administrator's own address and agent: theirs, not the deleted person's.
            audit.Add(http, AuditEvents.AdminDeleteUser, AuditEvents.Success, userId, actorId: admin);
        }
        else
        {
            audit.Add(AuditClient.None, AuditEvents.AccountDeleted, AuditEvents.Success, userId);
        }
        await db.SaveChangesAsync(none);
        await transaction.CommitAsync(none);
        profiles.Forget(userId);
        return AccountDeletionOutcome.Deleted;
    }
}
