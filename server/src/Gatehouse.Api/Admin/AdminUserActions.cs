using System.Security.Claims;
using Gatehouse.Api.Accounts;
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
/// What an administrator can do to an account, under <c>/admin/users/{id}</c>: lock and unlock, disable
/// and enable, require a new password, end one or every session, grant and take away roles, delete.
/// Each answers 204 (404 <c>user_not_found</c>), is audited with the acting administrator (ActorId),
/// and the destructive ones need a recent authentication. None may leave Gatehouse without an
/// administrator who can act (409 <c>last_admin</c>, see <see cref="AdminUserActionRules"/>).
/// </summary>
public static class AdminUserActions
{
    public static RouteGroupBuilder MapAdminUserActions(this RouteGroupBuilder admin)
    {
        var user = admin.MapGroup("/users/{id:guid}");

        user.MapPost("/lock", LockAsync)
            .LimitPerClient(LimitedAction.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Lock the account until unlocked, for every browser (known ones too); its sessions stay");
        user.MapPost("/unlock", UnlockAsync)
            .LimitPerClient(LimitedAction.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Unlock the account: clears the lock and the failure counts, the known browsers' too");
        user.MapPost("/disable", DisableAsync)
            .LimitPerClient(LimitedAction.Admin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Disable the account (needs a recent authentication): every session ends at once on every instance, and every sign-in answers 403 account_disabled");
        user.MapPost("/enable", EnableAsync)
            .LimitPerClient(LimitedAction.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Enable a disabled account");
        user.MapPost("/require-password-reset", RequirePasswordResetAsync)
            .LimitPerClient(LimitedAction.Admin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Require a new password (needs a recent authentication): ends every session and mails a reset link; sign-in answers 403 password_reset_required until a reset is done");
        user.MapDelete("/sessions/{sessionId:guid}", RevokeSessionAsync)
            .LimitPerClient(LimitedAction.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("End one of the user's sessions");
        user.MapDelete("/sessions", RevokeSessionsAsync)
            .LimitPerClient(LimitedAction.Admin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("End every session of the user (needs a recent authentication)");
        user.MapPut("/roles/{role}", GrantRoleAsync)
            .LimitPerClient(LimitedAction.Admin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Grant a role (needs a recent authentication); it shows in the user's next access token");
        user.MapDelete("/roles/{role}", RevokeRoleAsync)
            .LimitPerClient(LimitedAction.Admin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Take a role away (needs a recent authentication); the user's access tokens lose it when they are renewed");
        user.MapDelete("", DeleteAsync)
            .LimitPerClient(LimitedAction.Admin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete the account and its personal data (needs a recent authentication); audit rows stay, with the user id only");
        return user;
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> LockAsync(
        Guid id, ClaimsPrincipal principal, GatehouseDbContext db, AuditLog audit, HttpContext http)
    {
        var none = CancellationToken.None;
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        if (await AdminUserActionRules.IsLastAdminAsync(db, id, none))
        {
            return await RefuseLastAdminAsync(transaction, db, audit, http, AuditEvents.AdminLock, id, principal);
        }
        var locked = await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.LockoutEnabled, true)
            .SetProperty(u => u.LockoutEnd, AdminUserActionRules.LockedUntil)
            .SetProperty(u => u.AccessFailedCount, 0)
            .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), none);
        if (locked == 0)
        {
            return await NotFoundAsync(transaction);
        }
        // A browser the account knows is judged by its own lock, not the account's (device cookies), so
        // each is locked as well: an administrator's lock holds for every way in.
        await db.KnownDevices.Where(d => d.UserId == id)
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.LockedUntil, AdminUserActionRules.LockedUntil), none);
        return await DoneAsync(transaction, db, audit, http, AuditEvents.AdminLock, id, principal);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> UnlockAsync(
        Guid id, ClaimsPrincipal principal, GatehouseDbContext db, AuditLog audit, HttpContext http)
    {
        var none = CancellationToken.None;
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        var unlocked = await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.LockoutEnd, (DateTimeOffset?)null)
            .SetProperty(u => u.AccessFailedCount, 0)
            .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), none);
        if (unlocked == 0)
        {
            return await NotFoundAsync(transaction);
        }
        await db.KnownDevices.Where(d => d.UserId == id).ExecuteUpdateAsync(set => set
            .SetProperty(d => d.LockedUntil, (DateTimeOffset?)null)
            .SetProperty(d => d.FailedCount, 0), none);
        return await DoneAsync(transaction, db, audit, http, AuditEvents.AdminUnlock, id, principal);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(
        Guid id, ClaimsPrincipal principal, GatehouseDbContext db, SessionStore sessions, AuditLog audit, TimeProvider time, HttpContext http)
    {
        var none = CancellationToken.None;
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        if (await AdminUserActionRules.IsLastAdminAsync(db, id, none))
        {
            return await RefuseLastAdminAsync(transaction, db, audit, http, AuditEvents.AdminDisable, id, principal);
        }
        // The row first, then the sessions. A new security stamp voids what was begun with the old one:
        // pending sign-ins, passkey ceremonies, mailed links; and a sign-in racing with this (which
        // updates the row only if the stamp is unchanged, Auth/SignIns) either waits for this commit and
        // fails, or commits first and its session is among those revoked below.
        var now = time.GetUtcNow().UtcDateTime;
        var disabled = await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.DisabledAt, u => u.DisabledAt ?? now)
            .SetProperty(u => u.SecurityStamp, Guid.NewGuid().ToString("N").ToUpperInvariant())
            .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), none);
        if (disabled == 0)
        {
            return await NotFoundAsync(transaction);
        }
        // This instance's cache at once, the others' through the fan-out (Sessions/SessionStore).
        var ended = await sessions.RevokeAllAsync(id, RevocationReasons.Disabled);
        return await DoneAsync(transaction, db, audit, http, AuditEvents.AdminDisable, id, principal, Count(ended));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> EnableAsync(
        Guid id, ClaimsPrincipal principal, GatehouseDbContext db, AuditLog audit, HttpContext http)
    {
        var none = CancellationToken.None;
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        var enabled = await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.DisabledAt, (DateTime?)null)
            .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), none);
        if (enabled == 0)
        {
            return await NotFoundAsync(transaction);
        }
        return await DoneAsync(transaction, db, audit, http, AuditEvents.AdminEnable, id, principal);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> RequirePasswordResetAsync(
        Guid id, ClaimsPrincipal principal, GatehouseDbContext db, SessionStore sessions, AccountTokens tokens,
        SecurityNotices notices, AuditLog audit, HttpContext http)
    {
        var none = CancellationToken.None;
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        if (await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id, none) is not { } user)
        {
            return await NotFoundAsync(transaction);
        }
        if (user.Email is not { Length: > 0 } email)
        {
            // Without an address the user could never choose the new password: nothing is changed.
            await transaction.RollbackAsync(none);
            audit.Add(http, AuditEvents.AdminRequirePasswordReset, AuthErrors.NoEmail.Code, id, actorId: principal.Session().UserId);
            await db.SaveChangesAsync(none);
            return Problems.Conflict(AuthErrors.NoEmail);
        }
        // A new stamp, as a password change makes: the sessions' way back (pending sign-ins, ceremonies,
        // older links) dies with it; the link below is issued under the new one.
        user.SecurityStamp = Guid.NewGuid().ToString("N").ToUpperInvariant();
        await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(set => set
            .SetProperty(u => u.PasswordResetRequired, true)
            .SetProperty(u => u.SecurityStamp, user.SecurityStamp)
            .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), none);
        var ended = await sessions.RevokeAllAsync(id, RevocationReasons.PasswordResetRequired);
        // The forgot-password machinery's own steps (Accounts/PasswordResetRequests): only the newest
        // link works, and it commits with its mail. Sent whether or not the address is verified, as a
        // forgot-password link is: following it proves the address.
        await tokens.VoidAsync(id, AccountTokenPurposes.ResetPassword, none);
        var token = tokens.Issue(user, AccountTokenPurposes.ResetPassword, email, SecurityNotices.ResetLifetime);
        notices.ResetRequired(user, email, token);
        return await DoneAsync(transaction, db, audit, http, AuditEvents.AdminRequirePasswordReset, id, principal, Count(ended));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionAsync(
        Guid id, Guid sessionId, ClaimsPrincipal principal, GatehouseDbContext db, SessionStore sessions, AuditLog audit, HttpContext http)
    {
        if (!await db.Users.AnyAsync(u => u.Id == id, CancellationToken.None))
        {
            return Problems.NotFound(AuthErrors.UserNotFound);
        }
        // Another user's session gets the same 404 as an unknown one.
        if (!await sessions.RevokeOwnAsync(id, sessionId, RevocationReasons.AdminRevoked))
        {
            return Problems.NotFound(AuthErrors.SessionNotFound);
        }
        audit.Add(http, AuditEvents.AdminRevokeSession, AuditEvents.Success, id, sessionId, actorId: principal.Session().UserId);
        await db.SaveChangesAsync(CancellationToken.None);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionsAsync(
        Guid id, ClaimsPrincipal principal, GatehouseDbContext db, SessionStore sessions, AuditLog audit, HttpContext http)
    {
        if (!await db.Users.AnyAsync(u => u.Id == id, CancellationToken.None))
        {
            return Problems.NotFound(AuthErrors.UserNotFound);
        }
        var ended = await sessions.RevokeAllAsync(id, RevocationReasons.AdminRevoked);
        audit.Add(http, AuditEvents.AdminRevokeSessions, AuditEvents.Success, id, actorId: principal.Session().UserId, detail: Count(ended));
        await db.SaveChangesAsync(CancellationToken.None);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> GrantRoleAsync(
        Guid id, string role, ClaimsPrincipal principal, GatehouseDbContext db, RoleManager<Role> roles, UserProfiles profiles, AuditLog audit, HttpContext http)
    {
        if (!Roles.IsValidName(role))
        {
            return Problems.BadRequest(AuthErrors.RoleInvalid);
        }
        if (!await db.Users.AnyAsync(u => u.Id == id, CancellationToken.None))
        {
            return Problems.NotFound(AuthErrors.UserNotFound);
        }
        // A role Gatehouse does not know is made on first grant: the apps built on it bring their own.
        var row = await roles.FindByNameAsync(role);
        if (row is null)
        {
            try
            {
                await roles.CreateAsync(new Role(role));
            }
            catch (DbUpdateException)
            {
                // Made by a parallel grant meanwhile: the unique name kept one.
            }
            db.ChangeTracker.Clear();
            row = await roles.FindByNameAsync(role) ?? throw new InvalidOperationException($"The role {role} could not be created.");
        }
        var outcome = AuditEvents.Unchanged;
        if (!await db.UserRoles.AnyAsync(ur => ur.UserId == id && ur.RoleId == row.Id, CancellationToken.None))
        {
            db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = id, RoleId = row.Id });
            outcome = AuditEvents.Success;
        }
        audit.Add(http, AuditEvents.RoleGranted, outcome, id, actorId: principal.Session().UserId, detail: role);
        try
        {
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException)
        {
            // Granted by a parallel request between the check and the insert: it is granted either way.
            db.ChangeTracker.Clear();
            audit.Add(http, AuditEvents.RoleGranted, AuditEvents.Unchanged, id, actorId: principal.Session().UserId, detail: role);
            await db.SaveChangesAsync(CancellationToken.None);
        }
        // This instance's next token has it at once; the others' within UserProfiles.Ttl.
        profiles.Forget(id);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> RevokeRoleAsync(
        Guid id, string role, ClaimsPrincipal principal, GatehouseDbContext db, UserProfiles profiles, AuditLog audit, HttpContext http)
    {
        if (!Roles.IsValidName(role))
        {
            return Problems.BadRequest(AuthErrors.RoleInvalid);
        }
        var none = CancellationToken.None;
        await using var transaction = await db.Database.BeginTransactionAsync(none);
        if (!await db.Users.AnyAsync(u => u.Id == id, none))
        {
            return await NotFoundAsync(transaction);
        }
        if (role == Roles.Admin && await AdminUserActionRules.IsLastAdminAsync(db, id, none))
        {
            return await RefuseLastAdminAsync(transaction, db, audit, http, AuditEvents.RoleRevoked, id, principal, role);
        }
        var normalized = role.ToUpperInvariant();
        var removed = await db.UserRoles
            .Where(ur => ur.UserId == id && db.Roles.Any(r => r.Id == ur.RoleId && r.NormalizedName == normalized))
            .ExecuteDeleteAsync(none);
        profiles.Forget(id);
        return await DoneAsync(transaction, db, audit, http, AuditEvents.RoleRevoked, id, principal, role,
            removed == 0 ? AuditEvents.Unchanged : AuditEvents.Success);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, ClaimsPrincipal principal, AccountDeletion deletion, HttpContext http) =>
        await deletion.DeleteAsync(id, principal.Session().UserId, http) switch
        {
            AccountDeletionOutcome.NotFound => Problems.NotFound(AuthErrors.UserNotFound),
            AccountDeletionOutcome.LastAdmin => Problems.Conflict(AuthErrors.LastAdmin),
            _ => TypedResults.NoContent(),
        };

    private static string Count(int sessions) => sessions == 1 ? "1 session" : $"{sessions} sessions";

    /// <summary>The audit row, then one commit with the change.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> DoneAsync(
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, GatehouseDbContext db, AuditLog audit, HttpContext http,
        string eventName, Guid id, ClaimsPrincipal principal, string? detail = null, string outcome = AuditEvents.Success)
    {
        audit.Add(http, eventName, outcome, id, actorId: principal.Session().UserId, detail: detail);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> NotFoundAsync(Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction)
    {
        await transaction.RollbackAsync(CancellationToken.None);
        return Problems.NotFound(AuthErrors.UserNotFound);
    }

    /// <summary>Nothing changes; the refusal itself is on record.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> RefuseLastAdminAsync(
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction, GatehouseDbContext db, AuditLog audit, HttpContext http,
        string eventName, Guid id, ClaimsPrincipal principal, string? detail = null)
    {
        await transaction.RollbackAsync(CancellationToken.None);
        audit.Add(http, eventName, AuthErrors.LastAdmin.Code, id, actorId: principal.Session().UserId, detail: detail);
        await db.SaveChangesAsync(CancellationToken.None);
        return Problems.Conflict(AuthErrors.LastAdmin);
    }
}
