using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Tokens;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Users;

/// <summary>
/// Identity's lockout columns and options, counted atomically. Identity's own AccessFailedAsync is a
/// read-modify-write guarded by the concurrency stamp: parallel wrong guesses make all but one of
/// those writes fail, so an attacker guessing in parallel would never reach the lockout.
/// With device cookies (Devices/), the account's lock holds unknown clients only; a known device's
/// wrong guesses count in, and lock, that device's own row instead.
/// </summary>
public sealed class FailedSignIns(
    GatehouseDbContext db, AuditLog audit, IOptions<IdentityOptions> identity, IOptions<DeviceCookieSettings> devices,
    SignInNotices notices, TimeProvider time)
{
    /// <summary>Locked for unknown clients: a sign-in without a device cookie of the account.</summary>
    public bool IsLockedOut(User user) =>
        user.LockoutEnabled && user.LockoutEnd is { } end && end > time.GetUtcNow();

    /// <summary>
    /// Locked for the browser asking: one that signed in to the account before (its device cookie,
    /// <paramref name="device"/>) is judged by its own failures, any other by the account's lock for
    /// unknown clients, so a stranger's guesses cannot keep the owner out (OWASP device cookies).
    /// Every way in (password, second factor, passkey, step-up) applies this one rule.
    /// </summary>
    public bool IsLockedOut(User user, TrustedDevice? device) =>
        device is null ? IsLockedOut(user) : device.LockedUntil is { } until && until > time.GetUtcNow();

    /// <summary>
    /// Records a failed sign-in. A wrong password (<paramref name="count"/>) adds one failure in a
    /// single UPDATE, to the known device's row when the attempt came with one
    /// (<paramref name="deviceId"/>), else to the account's; the failure that reaches the limit locks
    /// that device, or the account for unknown clients. Every call runs the very same statements, the
    /// ones that count nothing against no row, so an unknown user, a locked account or device and a
    /// wrong password cost the same database work and their timing reveals nothing. The count and
    /// the audit rows commit together. <paramref name="auditEvent"/> names the step that failed: a
    /// sign-in's password, a pending sign-in's second factor, a re-authentication.
    /// </summary>
    public async Task RecordAsync(HttpContext http, Guid? userId, string outcome, bool count, Guid? deviceId = null, string auditEvent = AuditEvents.SignIn)
    {
        var lockout = identity.Value.Lockout;
        var limit = lockout.MaxFailedAccessAttempts;
        var deviceLimit = devices.Value.MaxFailedAttempts;
        // Whole seconds: the value is compared after a round trip, and PostgreSQL keeps microseconds.
        DateTimeOffset? lockedUntil = time.GetUtcNowInSeconds() + lockout.DefaultLockoutTimeSpan;
        // Guid.Empty names no account and no device.
        var account = count && deviceId is null && userId is { } id ? id : Guid.Empty;
        var device = count && deviceId is { } known ? known : Guid.Empty;
        // Not cancellable: a guesser who hangs up early must still be counted.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await db.Users
            .Where(u => u.Id == account && u.LockoutEnabled)
            .ExecuteUpdateAsync(setters => setters
                .SetProperty(u => u.LockoutEnd, u => u.AccessFailedCount + 1 >= limit ? lockedUntil : u.LockoutEnd)
                .SetProperty(u => u.AccessFailedCount, u => u.AccessFailedCount + 1 >= limit ? 0 : u.AccessFailedCount + 1)
                .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()),
                CancellationToken.None);
        await db.KnownDevices
            .Where(d => d.Id == device)
            .ExecuteUpdateAsync(setters => setters
                .SetProperty(d => d.LockedUntil, d => d.FailedCount + 1 >= deviceLimit ? lockedUntil : d.LockedUntil)
                .SetProperty(d => d.FailedCount, d => d.FailedCount + 1 >= deviceLimit ? 0 : d.FailedCount + 1),
                CancellationToken.None);
        var accountLockedNow = await db.Users.AsNoTracking().Where(u => u.Id == account)
            .Select(u => u.LockoutEnd).SingleOrDefaultAsync(CancellationToken.None) == lockedUntil;
        var deviceLockedNow = await db.KnownDevices.AsNoTracking().Where(d => d.Id == device)
            .Select(d => d.LockedUntil).SingleOrDefaultAsync(CancellationToken.None) == lockedUntil;
        audit.Add(http, auditEvent, outcome, userId);
        if (accountLockedNow)
        {
            audit.Add(http, AuditEvents.Lockout, AuditEvents.Success, userId);
            // The owner hears of it in this commit (a known device's own lock, below, is no account lock).
            await notices.AccountLockedAsync(http, account);
        }
        if (deviceLockedNow)
        {
            audit.Add(http, AuditEvents.DeviceLockout, AuditEvents.Success, userId);
        }
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }
}
