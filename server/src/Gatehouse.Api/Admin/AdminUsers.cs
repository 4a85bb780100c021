using System.Security.Claims;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Admin;

/// <summary>
/// The admin API's reads of accounts: <c>GET /admin/users</c> (search, filters, cursor paging) and
/// <c>GET /admin/users/{id}</c> (one account in full). The actions on an account live beside them.
/// </summary>
public static class AdminUsers
{
    /// <summary>Recent audit events in a user's detail.</summary>
    public const int RecentEventCount = 20;

    public static RouteGroupBuilder MapAdminUsers(this RouteGroupBuilder group)
    {
        group.MapGet("/users", ListAsync)
            .LimitPerClient(LimitedAction.Admin)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Find accounts: q matches the start of a username or address (any case); locked, disabled, unverified and mfa filter; ordered by username, a page at a time (cursor = the last answer's nextCursor)");
        group.MapGet("/users/{id}", DetailAsync)
            .LimitPerClient(LimitedAction.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One account in full: profile, factors, linked logins, live sessions and its last 20 audit events (the read is audited)");
        return group;
    }

    internal static async Task<Results<Ok<UsersPage>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string? q, string? locked, string? disabled, string? unverified, string? mfa, string? cursor, string? limit,
        ClaimsPrincipal principal, HttpContext http, GatehouseDbContext db, UserManager<User> users, FailedSignIns failedSignIns,
        BruteForceLimits limits, CancellationToken cancellationToken)
    {
        if (await limits.TryAcquireForUserAsync(LimitedAction.Admin, principal.Session().UserId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (!UserQuery.TryParse(q, locked, disabled, unverified, mfa, cursor, limit, users, out var query, out var error))
        {
            return Problems.Validation([error]);
        }
        var page = await query.RunAsync(db, failedSignIns.IsLockedOut, cancellationToken);
        var roles = await RolesOfAsync(db, page.Users.Select(u => u.Id).ToList(), cancellationToken);
        return TypedResults.Ok(new UsersPage(
            page.Users.Select(u => Summarize(u, roles.GetValueOrDefault(u.Id, []), failedSignIns.IsLockedOut(u))).ToList(),
            page.NextCursor));
    }

    internal static async Task<Results<Ok<UserDetail>, ProblemHttpResult>> DetailAsync(
        string id, ClaimsPrincipal principal, HttpContext http, GatehouseDbContext db, UserManager<User> users,
        FailedSignIns failedSignIns, SessionStore sessions, AuditLog audit, BruteForceLimits limits, CancellationToken cancellationToken)
    {
        var actorId = principal.Session().UserId;
        if (await limits.TryAcquireForUserAsync(LimitedAction.Admin, actorId.ToString(), http) is { } limited)
        {
            return limited;
        }
        // An id that is no id names no user: the same 404 as an unknown one.
        if (!Guid.TryParse(id, out var userId) || await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.NotFound(AuthErrors.UserNotFound);
        }

        var roles = await UserProfiles.ReadRolesAsync(db, userId, cancellationToken);
        var logins = await db.UserLogins.AsNoTracking()
            .Where(l => l.UserId == userId)
            .OrderBy(l => l.LoginProvider)
            .Select(l => new UserLoginView(l.LoginProvider, l.ProviderDisplayName ?? l.LoginProvider))
            .ToListAsync(cancellationToken);
        var live = await sessions.ListLiveAsync(userId, cancellationToken);
        var passkeys = await db.UserPasskeys.CountAsync(p => p.UserId == userId, cancellationToken);
        // Ids grow with time, so the newest rows are the highest ids (SQLite cannot sort DateTimeOffset in SQL).
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.UserId == userId)
            .OrderByDescending(e => e.Id)
            .Take(RecentEventCount)
            .ToListAsync(cancellationToken);

        var detail = new UserDetail(
            Summarize(user, roles, failedSignIns.IsLockedOut(user)),
            user.LockoutEnd,
            user.PasswordResetRequired,
            HasPassword: user.PasswordHash is not null,
            new UserFactors(user.TotpEnabled, passkeys, await users.CountRecoveryCodesAsync(user)),
            logins,
            live.Select(s => new UserSessionView(s.Id, s.CreatedAt, s.LastUsedAt, s.UserAgent, s.IpAddress, Current: false)).ToList(),
            events.Select(UserAuditEventView.From).ToList());

        // Looking at an account is itself on record: whose, by which admin. The row is written after
        // the read, so it is not among the events it answers.
        audit.Add(http, AuditEvents.AdminUserViewed, AuditEvents.Success, userId, actorId: actorId);
        await db.SaveChangesAsync(CancellationToken.None);
        return TypedResults.Ok(detail);
    }

    internal static UserSummary Summarize(User user, IReadOnlyList<string> roles, bool locked) => new(
        user.Id,
        user.UserName!,
        user.Email,
        user.EmailConfirmed,
        user.CreatedAt,
        user.LastSignInAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null,
        locked,
        Disabled: user.DisabledAt is not null,
        Mfa: user.TwoFactorEnabled,
        roles);

    /// <summary>The roles of each of <paramref name="userIds"/>, sorted by name, in one query.</summary>
    private static async Task<Dictionary<Guid, IReadOnlyList<string>>> RolesOfAsync(GatehouseDbContext db, List<Guid> userIds, CancellationToken cancellationToken)
    {
        if (userIds.Count == 0)
        {
            return [];
        }
        var rows = await db.UserRoles.Where(ur => userIds.Contains(ur.UserId))
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.UserId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(r => r.Name!).Order(StringComparer.Ordinal).ToList());
    }
}
