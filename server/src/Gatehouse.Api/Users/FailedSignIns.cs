using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tokens;
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
    /// Records a failed sign-in. A wrong password (<paramref name="count"/>) adds one failure in a
    /// single UPDATE, and the one that reaches the limit locks the account. An unknown user or a
    /// locked account runs the very same statements against no row, so all three cost the same
    /// database work and their timing reveals nothing. The count and the audit rows commit together.
    /// </summary>
    public async Task RecordAsync(HttpContext http, Guid? userId, string outcome, bool count)
    {
        var lockout = identity.Value.Lockout;
        var limit = lockout.MaxFailedAccessAttempts;
        // Whole seconds: the value is compared after a round trip, and PostgreSQL keeps microseconds.
        DateTimeOffset? lockedUntil = time.GetUtcNowInSeconds() + lockout.DefaultLockoutTimeSpan;
        var target = count && userId is { } id ? id : Guid.Empty; // Guid.Empty names no account
        // Not cancellable: a guesser who hangs up early must still be counted.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await db.Users
            .Where(u => u.Id == target && u.LockoutEnabled)
            .ExecuteUpdateAsync(setters => setters
                .SetProperty(u => u.LockoutEnd, u => u.AccessFailedCount + 1 >= limit ? lockedUntil : u.LockoutEnd)
                .SetProperty(u => u.AccessFailedCount, u => u.AccessFailedCount + 1 >= limit ? 0 : u.AccessFailedCount + 1)
                .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()),
                CancellationToken.None);
        var lockedNow = await db.Users.AsNoTracking().Where(u => u.Id == target)
            .Select(u => u.LockoutEnd).SingleOrDefaultAsync(CancellationToken.None) == lockedUntil;
        audit.Add(http, AuditEvents.SignIn, outcome, userId);
        if (count && lockedNow)
        {
            audit.Add(http, AuditEvents.Lockout, AuditEvents.Success, userId);
        }
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }
}
