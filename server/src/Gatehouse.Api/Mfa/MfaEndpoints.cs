using System.Security.Claims;
using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Email;
using Gatehouse.Api.Security;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Mfa;

public sealed record MfaStatusResponse(bool TotpEnabled, int RecoveryCodesRemaining, int PasskeyCount, bool Required, bool EnrollmentRequired);

public sealed record TotpSetupResponse(string Secret, string OtpauthUri);

public sealed record TotpConfirmRequest(string? Code);

/// <summary>Recovery codes in clear: answered once, when made; only their hashes are kept.</summary>
public sealed record RecoveryCodesResponse(IReadOnlyList<string> RecoveryCodes);

/// <summary>
/// The signed-in user's second factors: the authenticator app (TOTP) and recovery codes. Passkeys have
/// their own endpoints; the sign-in step that asks for a factor is <c>POST /auth/login/mfa</c>.
/// </summary>
public static class MfaEndpoints
{
    public const int RecoveryCodeCount = 10;

    public static RouteGroupBuilder MapMfa(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth/mfa").WithTags("Second factors").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        // A read of counts, like /auth/me: not limited, so reloading the security page spends no setup attempts.
        group.MapGet("", StatusAsync)
            .WithSummary("Which second factors the account has, how many recovery codes remain, and whether enrolment is required");
        group.MapPost("/totp/setup", SetupAsync)
            .LimitPerClient(LimitedAction.MfaSetup)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Start setting up an authenticator app (needs a recent authentication): a new key and its otpauth:// URI; nothing changes until confirmed");
        group.MapPost("/totp/confirm", ConfirmAsync)
            .LimitPerClient(LimitedAction.MfaSetup)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Turn the authenticator app on with a code from it; answers 10 recovery codes when it is the account's first factor");
        group.MapDelete("/totp", DisableAsync)
            .LimitPerClient(LimitedAction.MfaSetup)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Turn the authenticator app off (needs a recent authentication); with no factor left the recovery codes go too");
        group.MapPost("/recovery-codes", NewRecoveryCodesAsync)
            .LimitPerClient(LimitedAction.MfaSetup)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Replace the recovery codes with 10 new ones (needs a recent authentication); the old ones stop working");
        return group;
    }

    internal static async Task<Results<Ok<MfaStatusResponse>, ProblemHttpResult>> StatusAsync(
        ClaimsPrincipal principal, UserManager<User> users, GatehouseDbContext db, IOptions<MfaOptions> options)
    {
        if (await users.FindByIdAsync(principal.Session().UserId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        var passkeys = await db.UserPasskeys.CountAsync(p => p.UserId == user.Id, CancellationToken.None);
        var required = options.Value.Required;
        return TypedResults.Ok(new MfaStatusResponse(
            user.TotpEnabled, await users.CountRecoveryCodesAsync(user), passkeys, required,
            EnrollmentRequired: required && !user.TotpEnabled && passkeys == 0));
    }

    internal static async Task<Results<Ok<TotpSetupResponse>, ProblemHttpResult>> SetupAsync(
        ClaimsPrincipal principal,
        UserManager<User> users,
        IUserStore<User> store,
        GatehouseDbContext db,
        BruteForceLimits limits,
        AuditLog audit,
        IOptions<EmailOptions> email,
        HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.MfaSetup, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        if (user.TotpEnabled)
        {
            return Problems.Conflict(AuthErrors.TotpAlreadyEnabled);
        }
        // The new key waits, unused, in Identity's authenticator-key row until a code from it confirms it.
        // Through the store rather than UserManager.ResetAuthenticatorKeyAsync, which would also renew the
        // security stamp: that voids the account's mailed links and other browsers' pending sign-ins, and
        // nothing they rely on has changed yet; a setup may be abandoned, and anyone holding the session
        // could repeat it to spoil a reset link the owner is about to use. Turning a factor off renews it.
        var key = users.GenerateNewAuthenticatorKey();
        await ((IUserAuthenticatorKeyStore<User>)store).SetAuthenticatorKeyAsync(user, key, CancellationToken.None);
        audit.Add(http, AuditEvents.TotpEnabled, SetupStarted, userId, sessionId);
        if (!(await users.UpdateAsync(user)).Succeeded)
        {
            return Conflict(db);
        }
        return TypedResults.Ok(new TotpSetupResponse(key, OtpauthUri(email.Value.ProductName, user.UserName!, key)));
    }

    internal static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> ConfirmAsync(
        TotpConfirmRequest? request,
        ClaimsPrincipal principal,
        UserManager<User> users,
        GatehouseDbContext db,
        BruteForceLimits limits,
        AuditLog audit,
        SecurityNotices notices,
        HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        // Per account as well as per client: each try is a guess at a 6-digit code.
        if (await limits.TryAcquireForUserAsync(LimitedAction.MfaSetup, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (string.IsNullOrWhiteSpace(request?.Code))
        {
            return Problems.Validation([AuthErrors.CodeRequired]);
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        if (user.TotpEnabled)
        {
            return Problems.Conflict(AuthErrors.TotpAlreadyEnabled);
        }
        if (string.IsNullOrEmpty(await users.GetAuthenticatorKeyAsync(user)))
        {
            return BadRequest(AuthErrors.TotpSetupMissing);
        }
        // Proves the app holds the key before sign-in depends on it; the code's step is spent, as at sign-in.
        if (!await users.VerifyTwoFactorTokenAsync(user, Microsoft.AspNetCore.Identity.TokenOptions.DefaultAuthenticatorProvider, request.Code))
        {
            await audit.WriteAsync(http, AuditEvents.TotpEnabled, AuthErrors.CodeInvalid.Code, userId, sessionId);
            return BadRequest(AuthErrors.CodeInvalid);
        }

        // The account's first factor comes with recovery codes; a second one leaves the codes the user already keeps.
        var first = !user.TwoFactorEnabled && !await db.UserPasskeys.AnyAsync(p => p.UserId == userId, CancellationToken.None);
        user.TotpEnabled = true;
        user.TwoFactorEnabled = true;
        // The security stamp stays: turning a factor on weakens nothing that a mailed link or a pending
        // sign-in relies on (a pending sign-in already needs a factor). Audit row and notice are saved
        // with the change, by Identity's one SaveChanges below.
        audit.Add(http, AuditEvents.TotpEnabled, AuditEvents.Success, userId, sessionId);
        notices.TotpEnabled(user);
        IReadOnlyList<string> codes = [];
        if (first)
        {
            audit.Add(http, AuditEvents.RecoveryCodesGenerated, AuditEvents.Success, userId, sessionId);
            if (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount) is not { } made)
            {
                return Conflict(db);
            }
            codes = [.. made];
        }
        else if (!(await users.UpdateAsync(user)).Succeeded)
        {
            return Conflict(db);
        }
        return TypedResults.Ok(new RecoveryCodesResponse(codes));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(
        ClaimsPrincipal principal,
        UserManager<User> users,
        IUserStore<User> store,
        GatehouseDbContext db,
        BruteForceLimits limits,
        AuditLog audit,
        SecurityNotices notices,
        SecondFactorEnrollment enrollment,
        HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.MfaSetup, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        if (!user.TotpEnabled)
        {
            return Problems.Conflict(AuthErrors.TotpNotEnabled);
        }
        var passkeyLeft = await db.UserPasskeys.AnyAsync(p => p.UserId == userId, CancellationToken.None);
        user.TotpEnabled = false;
        user.TwoFactorEnabled = passkeyLeft;
        user.TotpLastStep = null;
        // The key goes: a later setup starts from a new one, and a copy of this one is worth nothing.
        await ((IUserAuthenticationTokenStore<User>)store).RemoveTokenAsync(user, MfaUserStore.InternalLoginProvider, MfaUserStore.AuthenticatorKeyTokenName, CancellationToken.None);
        if (!passkeyLeft)
        {
            // Without a factor recovery codes guard nothing, and would be a way in once a factor came back.
            await ((IUserTwoFactorRecoveryCodeStore<User>)store).ReplaceCodesAsync(user, [], CancellationToken.None);
        }
        audit.Add(http, AuditEvents.TotpDisabled, AuditEvents.Success, userId, sessionId);
        notices.TotpDisabled(user);
        // A factor removed is a credential change, as in Identity's own SetTwoFactorEnabledAsync: the new
        // security stamp ends the account's pending sign-ins and voids its mailed links. One save for all.
        if (!(await users.UpdateSecurityStampAsync(user)).Succeeded)
        {
            return Conflict(db);
        }
        // Gatehouse:Mfa:Required asks again at once on this instance (others within a minute).
        enrollment.Forget(userId);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<RecoveryCodesResponse>, ProblemHttpResult>> NewRecoveryCodesAsync(
        ClaimsPrincipal principal,
        UserManager<User> users,
        GatehouseDbContext db,
        BruteForceLimits limits,
        AuditLog audit,
        SecurityNotices notices,
        HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.MfaSetup, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        // Codes stand in for a factor; with none they would be a second password, not a second factor.
        if (!user.TwoFactorEnabled)
        {
            return Problems.Conflict(AuthErrors.SecondFactorRequired);
        }
        audit.Add(http, AuditEvents.RecoveryCodesGenerated, AuditEvents.Success, userId, sessionId);
        notices.RecoveryCodesGenerated(user);
        // Identity replaces the stored hashes and saves them with the audit row and the notice.
        if (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount) is not { } codes)
        {
            return Conflict(db);
        }
        return TypedResults.Ok(new RecoveryCodesResponse([.. codes]));
    }

    /// <summary>The audit outcome of a setup begun (<c>totp_enabled</c> events: <c>setup_started</c>, <c>code_invalid</c>, <c>success</c>).</summary>
    public const string SetupStarted = "setup_started";

    /// <summary>
    /// The key URI authenticator apps scan (Google's Key URI format): label <c>issuer:username</c>,
    /// the issuer again as a parameter (apps differ in which they read), and the RFC 6238 defaults spelled out.
    /// </summary>
    public static string OtpauthUri(string issuer, string username, string secret)
    {
        var label = Uri.EscapeDataString(issuer) + ":" + Uri.EscapeDataString(username);
        return $"otpauth://totp/{label}?secret={secret}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits={TotpTokenProvider.Digits}&period={TotpTokenProvider.StepSeconds}";
    }

    /// <summary>Another change to the account won the race: nothing staged here is saved; the client tries again.</summary>
    private static ProblemHttpResult Conflict(GatehouseDbContext db)
    {
        db.ChangeTracker.Clear();
        return Problems.Conflict(AuthErrors.FactorChangeConflict);
    }

    private static ProblemHttpResult BadRequest(AuthError error) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: error.Message,
            extensions: new Dictionary<string, object?> { ["code"] = error.Code });
}
