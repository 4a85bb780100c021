using System.Security.Claims;
using System.Text.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Passkeys;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Security;

/// <summary>
/// Exactly one proof: the password, an authenticator-app code, a recovery code, or a passkey's answer
/// (<c>{"ceremonyId", "credential"}</c> from <c>POST /auth/passkeys/reauthenticate/options</c>; kept as
/// raw JSON here, for the passkey step to read).
/// </summary>
public sealed record ReauthenticateRequest(string? Password, string? Code, string? RecoveryCode, JsonElement? Passkey);

/// <summary>When and how the session has now proved who the user is (what the new token's auth_time and amr say).</summary>
public sealed record ReauthenticateResponse(DateTimeOffset AuthenticatedAt, IReadOnlyList<string> Methods);

/// <summary>
/// <c>POST /auth/reauthenticate</c>: step-up within the session the request holds. No new session: the
/// same one records when and how the user proved who they are again, and a new access token carries it
/// (the refresh token stays). Wrong answers count toward the lockout, as at sign-in, so a stolen session
/// is no way to guess the password or a code past it.
/// </summary>
public static class ReauthenticationEndpoints
{
    public static RouteHandlerBuilder MapReauthentication(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/auth/reauthenticate", ReauthenticateAsync)
            .WithTags("Auth")
            .RequireAuthorization()
            .LimitPerClient(LimitedAction.Reauthenticate)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Confirm it's you (password, authenticator code, recovery code or passkey) to renew this session's authentication for sensitive changes; sets a new access_token");

    private enum Proof { Password, Code, RecoveryCode, Passkey }

    internal static async Task<Results<Ok<ReauthenticateResponse>, ValidationProblem, ProblemHttpResult>> ReauthenticateAsync(
        ReauthenticateRequest? request,
        ClaimsPrincipal principal,
        UserManager<User> users,
        SecondFactorChecks checks,
        PasskeyCeremonies passkeys,
        FailedSignIns failures,
        KnownDevices devices,
        PasswordHashingLimit hashing,
        BruteForceLimits limits,
        SessionStore sessions,
        AccessTokenIssuer tokens,
        AuthCookies cookies,
        AuditLog audit,
        GatehouseDbContext db,
        HttpContext http)
    {
        var hasPasskey = request?.Passkey is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };
        var given = new[] { !string.IsNullOrEmpty(request?.Password), !string.IsNullOrEmpty(request?.Code), !string.IsNullOrEmpty(request?.RecoveryCode), hasPasskey };
        if (given.Count(g => g) != 1)
        {
            return Problems.Validation([AuthErrors.CredentialRequired]);
        }
        // A passkey's answer: {"ceremonyId", "credential"} from POST /auth/passkeys/reauthenticate/options.
        var passkey = hasPasskey ? PasskeyAnswer(request!.Passkey!.Value) : null;
        if (hasPasskey && passkey is null)
        {
            return Problems.Validation([AuthErrors.PasskeyCredentialRequired]);
        }
        var proof = given[0] ? Proof.Password : given[1] ? Proof.Code : given[2] ? Proof.RecoveryCode : Proof.Passkey;
        var (userId, sessionId) = principal.Session();

        // A password costs a hash: a slot first, as at sign-in, so a busy server answers 429 before counting.
        using var slot = proof == Proof.Password ? await hashing.EnterAsync(http.RequestAborted) : null;
        if (proof == Proof.Password && slot is null)
        {
            return PasswordHashingLimit.Busy(http);
        }
        if (await limits.TryAcquireForUserAsync(LimitedAction.Reauthenticate, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        // Judged as a sign-in from this browser would be: by its own device's lock if the account knows
        // it, else by the account's. A locked one is refused without a check, so the lockout holds here too.
        var device = await devices.FindAsync(http.Request, user.NormalizedUserName!);
        var locked = failures.IsLockedOut(user, device);
        var (method, error) = proof switch
        {
            Proof.Password => (AuthMethods.Password, AuthErrors.InvalidCredentials),
            Proof.Code => (AuthMethods.OneTimeCode, AuthErrors.CodeInvalid),
            Proof.RecoveryCode => (AuthMethods.OneTimeCode, AuthErrors.RecoveryCodeInvalid),
            _ => (AuthMethods.HardwareKey, AuthErrors.PasskeyFailed), // hwk or swk: the passkey tells, below
        };
        if (locked)
        {
            await audit.WriteAsync(http, AuditEvents.Reauthenticate, device is null ? "locked_out" : "device_locked_out", userId, sessionId);
            return Problems.Unauthorized(error);
        }
        if (proof == Proof.Passkey)
        {
            var verification = await passkeys.VerifyReauthenticationAsync(passkey!.Value.CeremonyId, passkey.Value.Credential, userId, http);
            if (verification.Outcome != PasskeyVerificationOutcome.Verified)
            {
                var code = verification.Outcome == PasskeyVerificationOutcome.CeremonyInvalid ? AuthErrors.CeremonyInvalid : AuthErrors.PasskeyFailed;
                // Audited and rate limited, but no lockout count: a passkey's failed answer is a broken or
                // foreign authenticator's signature, not a guess at anything (as at passkey sign-in).
                await audit.WriteAsync(http, AuditEvents.Reauthenticate, code.Code, userId, sessionId);
                return verification.Outcome == PasskeyVerificationOutcome.CeremonyInvalid ? Problems.BadRequest(code) : Problems.Unauthorized(code);
            }
            method = verification.Method!;
        }
        var right = proof == Proof.Passkey || proof switch
        {
            Proof.Password => await users.CheckPasswordAsync(user, request!.Password!),
            Proof.Code => await checks.VerifyCodeAsync(user, request!.Code!),
            Proof.RecoveryCode => await checks.RedeemRecoveryCodeAsync(user, request!.RecoveryCode!, http, sessionId) is not null,
            _ => false,
        };
        slot?.Dispose();
        if (!right)
        {
            var outcome = proof == Proof.Password ? "wrong_password" : error.Code;
            await failures.RecordAsync(http, userId, outcome, count: true, device?.Id, AuditEvents.Reauthenticate);
            return Problems.Unauthorized(error);
        }

        // A hold on the account renews nothing (its sessions were ended with it; this is the rule again).
        if (AccountStanding.Refusal(user) is { } hold)
        {
            await audit.WriteAsync(http, AuditEvents.Reauthenticate, hold.Code, userId, sessionId);
            return Problems.Forbidden(hold);
        }
        var session = await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, CancellationToken.None);
        if (session is null)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        var methods = AfterStepUp(session.AuthMethods, method);
        // The renewal, its audit row and a spent recovery code's notice: one commit. Not cancellable.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        if (!await sessions.MarkAuthenticatedAsync(session, methods, CancellationToken.None))
        {
            // Signed out meanwhile; a spent recovery code's rows are still kept.
            audit.Add(http, AuditEvents.Reauthenticate, AuthErrors.Unauthenticated.Code, userId, sessionId);
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        audit.Add(http, AuditEvents.Reauthenticate, AuditEvents.Success, userId, sessionId);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        var roles = await UserProfiles.ReadRolesAsync(db, userId, CancellationToken.None);
        cookies.AppendAccess(http.Response, tokens.Issue(session, user.UserName!, roles));
        return TypedResults.Ok(new ReauthenticateResponse(session.AuthenticatedAt, AuthMethods.Split(methods)));
    }

    /// <summary>The passkey's ceremony id and answer (raw JSON for Identity), or null when the shape is wrong.</summary>
    private static (string? CeremonyId, string Credential)? PasskeyAnswer(JsonElement passkey) =>
        passkey.ValueKind == JsonValueKind.Object
        && passkey.TryGetProperty("credential", out var credential) && credential.ValueKind == JsonValueKind.Object
            ? (passkey.TryGetProperty("ceremonyId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null, credential.GetRawText())
            : null;

    /// <summary>
    /// The session's methods after proving <paramref name="method"/> again: what it had, plus this one,
    /// plus <c>mfa</c> once it holds two kinds of factor (something known, a password; something held, a
    /// code or a passkey) or held <c>mfa</c> already.
    /// </summary>
    internal static string AfterStepUp(string? current, string method)
    {
        var before = AuthMethods.Split(current);
        var methods = before.Where(m => m != AuthMethods.MultiFactor).Append(method).ToList();
        var known = methods.Contains(AuthMethods.Password);
        var held = methods.Any(m => m is AuthMethods.OneTimeCode or AuthMethods.HardwareKey or AuthMethods.SoftwareKey);
        if (before.Contains(AuthMethods.MultiFactor) || (known && held))
        {
            methods.Add(AuthMethods.MultiFactor);
        }
        return AuthMethods.Join(methods);
    }
}
