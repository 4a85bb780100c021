using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gatehouse.Api.Mfa;

/// <summary>An authenticator-app code or a recovery code (exactly one) for the pending sign-in.</summary>
public sealed record SecondFactorSignInRequest(string? Code, string? RecoveryCode);

/// <summary>
/// <c>POST /auth/login/mfa</c>: the second step of a sign-in for an account with a second factor. The
/// pending sign-in (Mfa/PendingSignIns) is the credential so far: its cookie, set by the right password,
/// names the account, so the request carries no username and reveals none.
/// </summary>
public static class SecondFactorSignInEndpoints
{
    public static RouteHandlerBuilder MapSecondFactorSignIn(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/auth/login/mfa", SignInAsync)
            .WithTags("Auth")
            .LimitPerClient(LimitedAction.SecondFactor)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Finish a sign-in that answered mfaRequired with an authenticator-app code or a recovery code; sets the session cookies");

    internal static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> SignInAsync(
        SecondFactorSignInRequest? request,
        PendingSignIns pendingSignIns,
        SecondFactorChecks checks,
        BruteForceLimits limits,
        AuditLog audit,
        HttpContext http)
    {
        var hasCode = !string.IsNullOrWhiteSpace(request?.Code);
        var hasRecoveryCode = !string.IsNullOrWhiteSpace(request?.RecoveryCode);
        if (hasCode == hasRecoveryCode)
        {
            return Problems.Validation([hasCode ? AuthErrors.CodeAmbiguous : AuthErrors.CodeRequired]);
        }

        // Expired, used up, another browser's (no cookie), the password changed meanwhile, or the account
        // locked: one answer for all, and the client starts again with the password.
        if (await pendingSignIns.FindAsync(http) is not { } pending)
        {
            pendingSignIns.Forget(http);
            await audit.WriteAsync(http, AuditEvents.SecondFactor, AuthErrors.PendingSignInInvalid.Code);
            return Problems.Unauthorized(AuthErrors.PendingSignInInvalid);
        }
        // Per account as well as per client: many browsers, each with a pending sign-in of the account
        // (each one a right password), must not together try more codes than one could.
        if (await limits.TryAcquireForUserAsync(LimitedAction.SecondFactor, pending.User.Id.ToString(), http) is { } limited)
        {
            return limited;
        }
        // Disabled, or a new password owed, since the password was right (a hold renews the security
        // stamp, which voids the pending sign-in, so this is the belt to those braces). The pending
        // sign-in is a right password, so the 403 tells nothing its holder could not learn there.
        if (AccountStanding.Refusal(pending.User) is { } hold)
        {
            pendingSignIns.Forget(http);
            await audit.WriteAsync(http, AuditEvents.SecondFactor, hold.Code, pending.User.Id);
            return Problems.Forbidden(hold);
        }

        if (hasCode)
        {
            if (!await checks.VerifyCodeAsync(pending.User, request!.Code!))
            {
                await pendingSignIns.FailAsync(pending, AuthErrors.CodeInvalid.Code, http);
                return Problems.Unauthorized(AuthErrors.CodeInvalid);
            }
        }
        else if (await checks.RedeemRecoveryCodeAsync(pending.User, request!.RecoveryCode!, http) is { } redeemed)
        {
            pending = pending with { User = redeemed };
        }
        else
        {
            await pendingSignIns.FailAsync(pending, AuthErrors.RecoveryCodeInvalid.Code, http);
            return Problems.Unauthorized(AuthErrors.RecoveryCodeInvalid);
        }

        // Staged, so saved in the sign-in's own commit (as the passkey step does).
        audit.Add(http, AuditEvents.SecondFactor, AuditEvents.Success, pending.User.Id);
        // A recovery code is a one-time code too (RFC 8176 has no value of its own for it).
        if (!await pendingSignIns.CompleteAsync(pending, AuthMethods.OneTimeCode, http))
        {
            // Spent by a racing request, or the password changed: no session. The factor was right, but
            // the sign-in is void; a recovery code spent here stays spent, and its rows and notice
            // (staged) are saved with this one.
            await audit.WriteAsync(http, AuditEvents.SecondFactor, AuthErrors.PendingSignInInvalid.Code, pending.User.Id);
            return Problems.Unauthorized(AuthErrors.PendingSignInInvalid);
        }
        return TypedResults.Ok(new LoginResponse(true, "User logged in"));
    }
}
