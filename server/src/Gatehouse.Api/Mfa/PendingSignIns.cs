using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Mfa;

/// <summary>A pending sign-in the request's cookie names, with its user as stored now.</summary>
public sealed record PendingSignIn(AuthChallenge Challenge, User User, TrustedDevice? Device);

/// <summary>
/// The one gate between a first factor and a session, for every sign-in path: when the account has a
/// second factor, the first factor only begins a pending sign-in, held by a short-lived httpOnly cookie
/// (<c>mfa_pending</c>, beside the refresh cookie), single-use, bound to this browser by that cookie,
/// kept in the database so any instance can finish it. Wrong answers count toward the pending sign-in's
/// own limit and toward the account's lockout, like wrong passwords.
/// </summary>
public sealed class PendingSignIns(
    GatehouseDbContext db,
    AuthChallenges challenges,
    AuthCookies cookies,
    AuditLog audit,
    FailedSignIns failures,
    KnownDevices devices,
    SignIns signIns,
    UserManager<User> users,
    IOptions<MfaOptions> options,
    TimeProvider time)
{
    public const string CookieBaseName = "mfa_pending";

    /// <summary>Second-factor methods as <c>POST /auth/login</c> names them.</summary>
    public static class Methods
    {
        public const string Totp = "totp";
        public const string RecoveryCode = "recovery_code";
        public const string Passkey = "passkey";
    }

    /// <summary>
    /// The first factor (<paramref name="methods"/>, e.g. <c>pwd</c>) was right for an account with a
    /// second factor: records the pending sign-in, sets its cookie, and answers what the account can use.
    /// </summary>
    public async Task<SecondFactorRequiredResponse> BeginAsync(User user, string methods, HttpContext http)
    {
        var lifetime = options.Value.PendingSignInLifetime;
        var value = challenges.Issue(AuthChallengeKinds.PendingSignIn,
            new AuthChallenges.Details(UserId: user.Id, SecurityStamp: user.SecurityStamp, Methods: methods), lifetime);
        audit.Add(http, AuditEvents.SecondFactorRequested, AuditEvents.Success, user.Id);
        await db.SaveChangesAsync(CancellationToken.None);
        cookies.AppendBesideRefresh(http.Response, CookieBaseName, value, time.GetUtcNow() + lifetime);
        return new SecondFactorRequiredResponse(true, await AvailableAsync(user));
    }

    /// <summary>
    /// The pending sign-in this browser holds, if it is live: not expired, not used up, the account's
    /// password unchanged since, and the account (or this browser's device) not locked meanwhile.
    /// </summary>
    public async Task<PendingSignIn?> FindAsync(HttpContext http)
    {
        var value = AuthCookies.Find(http.Request, cookies.NameBesideRefresh(CookieBaseName));
        // The challenge, its user and the stamp check in one statement (they were three reads).
        if (await challenges.FindWithUserAsync(AuthChallengeKinds.PendingSignIn, value, CancellationToken.None) is not (var challenge, var user))
        {
            return null;
        }
        var device = await devices.FindAsync(http.Request, user.NormalizedUserName!);
        var locked = failures.IsLockedOut(user, device);
        return locked ? null : new PendingSignIn(challenge, user, device);
    }

    /// <summary>
    /// A wrong second factor: counts toward the pending sign-in's attempts and, like a wrong password,
    /// toward the account's lockout (or this known device's). Returns whether another try is allowed.
    /// </summary>
    public async Task<bool> FailAsync(PendingSignIn pending, string outcome, HttpContext http)
    {
        var more = await challenges.CountFailureAsync(pending.Challenge, options.Value.MaxAttempts, CancellationToken.None);
        await failures.RecordAsync(http, pending.User.Id, outcome, count: true, pending.Device?.Id, AuditEvents.SecondFactor);
        if (!more)
        {
            Forget(http);
        }
        return more;
    }

    /// <summary>
    /// The second factor (<paramref name="method"/>, an <see cref="AuthMethods"/> value) was right: spends
    /// the pending sign-in (once, however many requests race) and starts the session. False when it was
    /// spent already or the account's credentials changed; the caller answers the generic 401.
    /// </summary>
    public async Task<bool> CompleteAsync(PendingSignIn pending, string method, HttpContext http)
    {
        Forget(http);
        if (!await challenges.ConsumeAsync(pending.Challenge, CancellationToken.None))
        {
            return false;
        }
        var methods = AuthMethods.Join([.. AuthMethods.Split(pending.Challenge.Methods), method, AuthMethods.MultiFactor]);
        return await signIns.StartAsync(pending.User, methods, pending.Device, http);
    }

    /// <summary>Deletes this browser's pending-sign-in cookie.</summary>
    public void Forget(HttpContext http) => cookies.DeleteBesideRefresh(http.Response, CookieBaseName);

    /// <summary>The second factors <paramref name="user"/> can use now.</summary>
    public async Task<IReadOnlyList<string>> AvailableAsync(User user)
    {
        var available = new List<string>();
        if (user.TotpEnabled)
        {
            available.Add(Methods.Totp);
        }
        if (await db.UserPasskeys.AnyAsync(p => p.UserId == user.Id, CancellationToken.None))
        {
            available.Add(Methods.Passkey);
        }
        if (await users.CountRecoveryCodesAsync(user) > 0)
        {
            available.Add(Methods.RecoveryCode);
        }
        return available;
    }
}
