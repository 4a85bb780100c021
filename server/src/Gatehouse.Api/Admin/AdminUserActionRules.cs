using Gatehouse.Api.Data;
using Gatehouse.Api.Users;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Admin;

/// <summary>The rules the admin actions (and account deletion) keep.</summary>
public static class AdminUserActionRules
{
    /// <summary>
    /// An administrator's lock: Identity's lockout end, far enough ahead to mean "until unlocked", yet a
    /// plain date (not <see cref="DateTimeOffset.MaxValue"/>, which PostgreSQL's driver turns into
    /// infinity) that round-trips exactly on both databases.
    /// </summary>
    public static readonly DateTimeOffset LockedUntil = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// True when <paramref name="userId"/> is the last administrator who can act: in the admin role,
    /// not disabled and not locked by an administrator, with no other such. Disabling, locking or
    /// deleting them, or taking the role away, would leave Gatehouse with no one to administer it but
    /// the command line. Call it inside the transaction of the change: it first writes the admin role's
    /// row (to itself), which makes two such changes wait for each other on PostgreSQL, so two admins
    /// cannot each remove the other at the same moment (SQLite's transactions are serial already).
    /// </summary>
    public static async Task<bool> IsLastAdminAsync(GatehouseDbContext db, Guid userId, CancellationToken cancellationToken)
    {
        await db.Roles.Where(r => r.Id == Roles.AdminId)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.ConcurrencyStamp, r => r.ConcurrencyStamp), cancellationToken);
        // Few rows (the admins); the lock is compared here, as SQLite cannot compare DateTimeOffset in SQL.
        var admins = await db.UserRoles.Where(ur => ur.RoleId == Roles.AdminId)
            .Join(db.Users, ur => ur.UserId, u => u.Id, (_, u) => new { u.Id, u.DisabledAt, u.LockoutEnd })
            .ToListAsync(cancellationToken);
        var able = admins.Where(a => a.DisabledAt is null && !(a.LockoutEnd >= LockedUntil)).Select(a => a.Id).ToList();
        return able.Contains(userId) && able.Count == 1;
    }
}
