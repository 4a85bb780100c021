using System.Security.Claims;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Passkeys;
using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Gatehouse.Api.Accounts;

public sealed record AccountExportProfile(string Username, string? Email, bool EmailVerified, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt);

public sealed record AccountExportSession(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string? UserAgent, string? IpAddress);

public sealed record AccountExportLogin(string Provider, string? DisplayName);

public sealed record AccountExportPasskey(string Name, DateTimeOffset CreatedAt, bool BackedUp);

public sealed record AccountExportSecondFactors(bool Totp, int RecoveryCodesRemaining);

/// <summary>An audit row about the account; <c>byAdministrator</c> when an administrator acted on it.</summary>
public sealed record AccountExportEvent(
    DateTimeOffset At, string Event, string Outcome, Guid? SessionId, string? IpAddress, string? UserAgent, string? Detail, bool ByAdministrator);

/// <summary>
/// What Gatehouse keeps about one account, for its owner. Never a password hash, a security stamp, a
/// token, a code, a second factor's secret or a passkey's key: only that they exist and when.
/// </summary>
public sealed record AccountExportResponse(
    DateTimeOffset ExportedAt,
    AccountExportProfile Profile,
    IReadOnlyList<string> Roles,
    IReadOnlyList<AccountExportSession> Sessions,
    IReadOnlyList<AccountExportLogin> Logins,
    IReadOnlyList<AccountExportPasskey> Passkeys,
    AccountExportSecondFactors SecondFactors,
    IReadOnlyList<AccountExportEvent> AuditEvents);

/// <summary><c>GET /auth/account/export</c>: the signed-in user's own data as a JSON download.</summary>
public static class AccountExport
{
    /// <summary>The most audit rows one export holds, newest first (retention trims the log long before, as a rule).</summary>
    public const int MaxAuditEvents = 10_000;

    public const string FileName = "gatehouse-account.json";

    public static RouteHandlerBuilder MapAccountExport(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/auth/account/export", ExportAsync)
            .WithTags("Account")
            .RequireAuthorization()
            .LimitPerClient(LimitedAction.AccountExport)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Download my data: profile, roles, sessions, linked logins, passkeys, second factors and audit events (JSON attachment)");

    internal static async Task<Results<Ok<AccountExportResponse>, ProblemHttpResult>> ExportAsync(
        ClaimsPrincipal principal, UserManager<User> users, SessionStore sessions, GatehouseDbContext db,
        BruteForceLimits limits, AuditLog audit, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = principal.Session().UserId;
        if (await limits.TryAcquireForUserAsync(LimitedAction.AccountExport, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }

        var roles = await UserProfiles.ReadRolesAsync(db, userId, cancellationToken);
        var live = await sessions.ListLiveAsync(userId, cancellationToken);
        var logins = await users.GetLoginsAsync(user);
        var passkeys = await users.GetPasskeysAsync(user);
        var recoveryCodes = await users.CountRecoveryCodesAsync(user);
        var events = await db.AuditEvents.AsNoTracking().Where(a => a.UserId == userId)
            .OrderByDescending(a => a.Id).Take(MaxAuditEvents).ToListAsync(cancellationToken);

        var export = new AccountExportResponse(
            time.GetUtcNow(),
            new AccountExportProfile(user.UserName ?? "", user.Email, user.EmailConfirmed, user.CreatedAt,
                user.LastSignInAt is { } last ? new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc)) : null),
            roles,
            [.. live.Select(s => new AccountExportSession(s.Id, s.CreatedAt, s.LastUsedAt, s.UserAgent, s.IpAddress))],
            [.. logins.Select(l => new AccountExportLogin(l.LoginProvider, l.ProviderDisplayName))],
            [.. passkeys.OrderBy(p => p.CreatedAt).Select(p => new AccountExportPasskey(p.Name ?? "", p.CreatedAt, p.IsBackedUp))],
            new AccountExportSecondFactors(user.TotpEnabled, recoveryCodes),
            [.. events.Select(e => new AccountExportEvent(e.At, e.Event, e.Outcome, e.SessionId, e.IpAddress, e.UserAgent, e.Detail, e.ActorId is not null))]);

        await audit.WriteAsync(http, AuditEvents.AccountExported, AuditEvents.Success, userId, principal.Session().SessionId);
        // A download, not a page: the browser saves it under this name.
        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = FileName }.ToString();
        return TypedResults.Ok(export);
    }
}
