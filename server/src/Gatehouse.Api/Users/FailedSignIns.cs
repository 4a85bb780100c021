using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Users;

/// <summary>
/// Identity's lockout columns and options, counted atomically. Identity's own AccessFailedAsync is a
/// read-modify-write guarded by the concurrency stamp: parallel wrong guesses make all but one of
/// those writes fail, so an attacker guessing in parallel would never reach the lockout.
/// </summary>
public sealed class FailedSignIns(GatehouseDbContext db, AuditLog audit, IOptions<IdentityOptions> identity, TimeProvider time)
{
    public bool IsLockedOut(User user) =>
        user.LockoutEnabled && user.LockoutEnd is { } end && end > time.GetUtcNow();

    /// <summary>
    /// Adds one failure in a single UPDATE; the one that reaches the limit locks the account. The
    /// count and its audit rows commit together, in one write, as the unknown-user path does.
    /// </summary>
    public async Task RecordAsync(Guid userId, HttpContext http)
    {
        var lockout = identity.Value.Lockout;
        var limit = lockout.MaxFailedAccessAttempts;
        DateTimeOffset? lockedUntil = time.GetUtcNow() + lockout.DefaultLockoutTimeSpan;
        // Not cancellable: a guesser who hangs up early must still be counted.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await db.Users
            .Where(u => u.Id == userId && u.LockoutEnabled)
            .ExecuteUpdateAsync(setters => setters
                .SetProperty(u => u.LockoutEnd, u => u.AccessFailedCount + 1 >= limit ? lockedUntil : u.LockoutEnd)
                .SetProperty(u => u.AccessFailedCount, u => u.AccessFailedCount + 1 >= limit ? 0 : u.AccessFailedCount + 1)
                .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()),
                CancellationToken.None);
        var lockedNow = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => u.LockoutEnd).SingleOrDefaultAsync(CancellationToken.None) == lockedUntil;
        audit.Add(http, AuditEvents.SignIn, "wrong_password", userId);
        if (lockedNow)
        {
            audit.Add(http, AuditEvents.Lockout, AuditEvents.Success, userId);
        }
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }
}
