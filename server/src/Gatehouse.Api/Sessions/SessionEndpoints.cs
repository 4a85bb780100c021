using System.Security.Claims;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Security;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Sessions;

public sealed record RefreshResponse(DateTimeOffset AccessTokenExpiresAt, DateTimeOffset RefreshTokenExpiresAt);

/// <summary>A session as its owner sees it. The current one is the session the request's token belongs to.</summary>
public sealed record SessionView(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, string? UserAgent, string? IpAddress, bool Current);

public sealed record SessionsResponse(IReadOnlyList<SessionView> Sessions);

public static class SessionEndpoints
{
    public static RouteGroupBuilder MapSessions(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth").WithTags("Sessions");

        // Anonymous: the refresh token in its cookie is the credential.
        group.MapPost("/refresh", RefreshAsync)
            .LimitPerClient(LimitedAction.Refresh)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Rotate the refresh token; sets a new access_token and refresh_token");

        // Anonymous: the web server polls it without a credential. Session ids are random and useless
        // without a token signed by us, so the list reveals only how often sessions end; the feed is
        // kept cheap and bounded instead (RevocationFeed).
        group.MapGet("/revocations", RevocationsAsync)
            .RequireRateLimiting(RevocationFeed.Policy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Sessions revoked lately, for verifiers that check access tokens themselves");

        var signedIn = group.MapGroup("").RequireAuthorization();
        signedIn.MapGet("/sessions", ListAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The signed-in user's active sessions");
        signedIn.MapDelete("/sessions/{id:guid}", RevokeAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Revoke one of the user's sessions");
        signedIn.MapPost("/logout-all", LogoutAllAsync)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Revoke every session of the user, this one included (needs a recent authentication)");
        return group;
    }

    internal static async Task<Results<Ok<RefreshResponse>, ProblemHttpResult>> RefreshAsync(
        HttpContext http, SessionStore sessions, AccessTokenIssuer tokens, AuthCookies cookies, BruteForceLimits limits, AuditLog audit, UserProfiles profiles)
    {
        if (!RefreshTokenValue.TryDecode(cookies.ReadRefresh(http.Request), out var presented)
            || await sessions.FindRefreshTokenAsync(presented) is not { } found)
        {
            cookies.DeleteAll(http.Response);
            return Problems.Unauthorized(AuthErrors.RefreshInvalid);
        }
        var owner = found.Session;
        if (await limits.TryAcquireForUserAsync(LimitedAction.Refresh, owner.UserId.ToString(), http) is { } limited)
        {
            return limited;
        }

        var result = await sessions.RefreshAsync(found, http);
        if (result.Issued is not { } issued)
        {
            if (result.Failure == RefreshFailure.Reused)
            {
                // Someone presented a token that was already exchanged: the thief or the owner is
                // holding a copy. Ending the session stops whichever of them it is.
                await audit.WriteAsync(http, AuditEvents.RefreshReuse, "session_revoked", owner.UserId, owner.Id);
            }
            else
            {
                await audit.WriteAsync(http, AuditEvents.Refresh, "invalid", owner.UserId, owner.Id);
            }
            cookies.DeleteAll(http.Response);
            return Problems.Unauthorized(AuthErrors.RefreshInvalid);
        }

        if (result.WithinGrace)
        {
            await audit.WriteAsync(http, AuditEvents.Refresh, "success_within_grace", owner.UserId, owner.Id);
        }
        // A rotation's success is recorded in its own transaction (SessionStore.TryRotateAsync).
        // The username for the token's preferred_username and the roles, usually from memory (UserProfiles).
        var access = tokens.Issue(issued.Session, await profiles.FindAsync(owner.UserId, CancellationToken.None));
        cookies.Append(http.Response, access, issued);
        return TypedResults.Ok(new RefreshResponse(access.ExpiresAt, issued.RefreshExpiresAt));
    }

    internal static async Task<Results<Ok<RevocationsResponse>, ValidationProblem>> RevocationsAsync(
        string? after, SessionStore sessions, TimeProvider time, IOptions<TokenOptions> tokens, CancellationToken cancellationToken)
    {
        FeedPosition? cursor = null;
        if (after is not null)
        {
            if (!RevocationFeed.TryParsePosition(after, out var parsed))
            {
                return Problems.Validation([AuthErrors.CursorInvalid]);
            }
            cursor = parsed;
        }
        var now = time.GetUtcNowInSeconds();
        var (since, afterId) = RevocationFeed.Resume(cursor, now, tokens.Value);
        var rows = await sessions.ListRevokedSinceAsync(since, afterId, RevocationFeed.MaxSessions + 1, cancellationToken);
        return TypedResults.Ok(RevocationFeed.Answer(rows, since, now, tokens.Value));
    }

    internal static async Task<Ok<SessionsResponse>> ListAsync(ClaimsPrincipal principal, SessionStore sessions, CancellationToken cancellationToken)
    {
        var (userId, current) = principal.Session();
        var live = await sessions.ListLiveAsync(userId, cancellationToken);
        return TypedResults.Ok(new SessionsResponse(live
            .Select(s => new SessionView(s.Id, s.CreatedAt, s.LastUsedAt, s.UserAgent, s.IpAddress, s.Id == current))
            .ToList()));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        Guid id, ClaimsPrincipal principal, HttpContext http, SessionStore sessions, AuthCookies cookies, AuditLog audit)
    {
        var (userId, current) = principal.Session();
        // Someone else's session id gets the same 404 as an unknown one.
        if (!await sessions.RevokeOwnAsync(userId, id, RevocationReasons.Revoked))
        {
            return Problems.NotFound(AuthErrors.SessionNotFound);
        }
        await audit.WriteAsync(http, AuditEvents.SessionRevoked, AuditEvents.Success, userId, id);
        if (id == current)
        {
            cookies.DeleteAll(http.Response);
        }
        return TypedResults.NoContent();
    }

    internal static async Task<NoContent> LogoutAllAsync(ClaimsPrincipal principal, HttpContext http, SessionStore sessions, AuthCookies cookies, AuditLog audit)
    {
        var (userId, current) = principal.Session();
        await sessions.RevokeAllAsync(userId, RevocationReasons.LogoutAll);
        await audit.WriteAsync(http, AuditEvents.LogoutAll, AuditEvents.Success, userId, current);
        cookies.DeleteAll(http.Response);
        return TypedResults.NoContent();
    }
}
