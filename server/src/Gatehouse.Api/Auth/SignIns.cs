using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Auth;

/// <summary>
/// The last step of every sign-in, whatever proved who the user is (a password, a password and a
/// second factor, a passkey, later an external provider): one transaction that checks the account did
/// not change meanwhile, ends the session this browser held, makes the new session, knows the browser,
/// tells the owner of a new one and audits it; then the cookies. Each sign-in path decides first
/// whether a second factor is still owed (Mfa/PendingSignIns); only then does it come here.
/// </summary>
public sealed class SignIns(
    GatehouseDbContext db,
    SessionStore sessions,
    AccessTokenIssuer tokens,
    AuthCookies cookies,
    AuditLog audit,
    UserProfiles profiles,
    KnownDevices devices,
    FailedSignIns failures,
    SignInNotices notices,
    TimeProvider time,
    Metrics.GatehouseMetrics metrics)
{
    /// <summary>
    /// Starts a session for <paramref name="user"/> (as read before the credentials were checked) proven
    /// by <paramref name="methods"/> (<see cref="AuthMethods"/>). <paramref name="device"/> is this
    /// browser's device cookie of the account, if any. False, with nothing started, when the account's
    /// credentials changed since <paramref name="user"/> was read: the caller answers the generic 401.
    /// </summary>
    public async Task<bool> StartAsync(User user, string methods, TrustedDevice? device, HttpContext http)
    {
        // The last guard of the one rule (Users/AccountStanding): whichever path came here, a disabled
        // account or one owing a new password gets no session. Callers ask first, to answer its 403.
        if (AccountStanding.Refusal(user) is { } hold)
        {
            await audit.WriteAsync(http, AuditEvents.SignIn, hold.Code, user.Id);
            return false;
        }
        // A known device's success says nothing of the unknown clients' guesses: their count and lock stay.
        var lockedForOthers = device is not null && failures.IsLockedOut(user);
        var previous = await HeldSessionAsync(http, sessions, cookies);

        // Every write of a sign-in is one transaction: one commit (one fsync on SQLite) instead of two
        // or more, and none of its rows without the others. Not cancellable: a client that hangs up
        // mid-way must not leave half a sign-in.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        // A password change that committed while this sign-in checked the old password must not leave a
        // session behind. The check is an update of the user's row, so it also locks the row until this
        // transaction ends (SQLite locks the database from BEGIN): a change committed before it is seen
        // here, one after it waits, and its revoke-all then sees the session this sign-in made.
        var now = time.GetUtcNow().UtcDateTime;
        var credentialsCurrent = await db.Users
            .Where(u => u.Id == user.Id && u.SecurityStamp == user.SecurityStamp && u.DisabledAt == null && !u.PasswordResetRequired)
            .ExecuteUpdateAsync(set =>
            {
                set.SetProperty(u => u.LastSignInAt, now);
                if (device is null && user.AccessFailedCount > 0)
                {
                    // A success clears the unknown clients' count (Identity's ResetAccessFailedCount, in this
                    // statement); the new stamp spoils any write made from an older read of the row.
                    set.SetProperty(u => u.AccessFailedCount, 0).SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString());
                }
            }, CancellationToken.None) == 1;

        // Signing in again gives this browser a new session and ends the one it held, so no session
        // identifier outlives an authentication (fixation; ASVS 7.2.4).
        if (previous is { } held)
        {
            await sessions.RevokeAsync(held.SessionId, RevocationReasons.Replaced);
            audit.Add(http, AuditEvents.SessionRevoked, RevocationReasons.Replaced, held.UserId, held.SessionId);
        }
        if (!credentialsCurrent)
        {
            audit.Add(http, AuditEvents.SignIn, "credentials_changed", user.Id);
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            return false;
        }
        var roles = await UserProfiles.ReadRolesAsync(db, user.Id, CancellationToken.None);
        var issued = sessions.Stage(user.Id, methods, http);
        if (device is null)
        {
            // A browser the account does not know: the owner hears of it, in this commit (see SignInNotices).
            await notices.NewDeviceAsync(http, user);
        }
        // Each sign-in makes this browser known under a new cookie.
        await devices.TrustAsync(http.Response, user.Id, device);
        audit.Add(http, AuditEvents.SignIn, AuditEvents.Success, user.Id, issued.Session.Id);
        if (lockedForOthers)
        {
            audit.Add(http, AuditEvents.SignInDuringLockout, AuditEvents.Success, user.Id, issued.Session.Id);
        }
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        sessions.Started(issued);
        metrics.SignedIn(methods);
        // The row is at hand: the /auth/me that usually follows a sign-in needs no read of its own.
        cookies.Append(http.Response, tokens.Issue(issued.Session, profiles.Remember(user, roles)), issued);
        return true;
    }

    /// <summary>
    /// The live session the request's cookies hold, for anonymous endpoints: by the access token if it
    /// is still good, else by the refresh token (an expired access token must not keep a session alive).
    /// </summary>
    public static async Task<(Guid SessionId, Guid UserId)?> HeldSessionAsync(HttpContext http, SessionStore sessions, AuthCookies cookies)
    {
        var result = await http.AuthenticateAsync();
        if (result.Succeeded && result.Principal.TryGetSession(out var userId, out var sessionId))
        {
            return (sessionId, userId);
        }
        if (RefreshTokenValue.TryDecode(cookies.ReadRefresh(http.Request), out var refresh)
            && await sessions.FindRefreshTokenAsync(refresh) is { Session: { RevokedAt: null } session })
        {
            return (session.Id, session.UserId);
        }
        return null;
    }
}
