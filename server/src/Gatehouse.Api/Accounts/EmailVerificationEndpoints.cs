using System.Security.Claims;
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

namespace Gatehouse.Api.Accounts;

/// <summary>
/// Verifying an account's address: the mailed link opens a page of the web app whose button posts the
/// token here, so a mail scanner that follows the link (a GET) uses nothing.
/// </summary>
public static class EmailVerificationEndpoints
{
    public static RouteGroupBuilder MapEmailVerification(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth/email").WithTags("Auth");

        group.MapPost("/verify", VerifyAsync)
            .RequireEmail()
            .LimitPerClient(LimitedAction.EmailToken)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Verify the account's address with the token of the verification mail's link (single use, 24 h)");
        group.MapPost("/verification", SendAsync)
            .RequireEmail()
            .LimitPerClient(LimitedAction.EmailVerification)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Send a new verification mail: signed in (body {}), to the own unverified address; anonymous, {username} (name or address), always the same 202");
        return group;
    }

    internal static async Task<Results<Ok<EmailVerifiedResponse>, ProblemHttpResult>> VerifyAsync(
        VerifyEmailRequest? request, AccountTokens tokens, UserManager<User> users, BruteForceLimits limits, AuditLog audit,
        UserProfiles profiles, GatehouseDbContext db, HttpContext http)
    {
        var peek = await tokens.PeekAsync(AccountTokenPurposes.VerifyEmail, request?.Token, http.RequestAborted);
        // Per account as well as per client: one account's links cannot be hammered from many addresses.
        if (peek.Token is { } found
            && await limits.TryAcquireForUserAsync(LimitedAction.EmailToken, found.UserId.ToString(), http) is { } limited)
        {
            return limited;
        }

        // Not cancellable from here: the token is used and the address verified together, or neither.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var check = await tokens.ConsumeAsync(AccountTokenPurposes.VerifyEmail, request?.Token, CancellationToken.None);
        if (check is not { Outcome: AccountTokenOutcome.Valid, Token: { Email: { } address } token })
        {
            var outcome = check.Outcome == AccountTokenOutcome.Valid ? AccountTokenOutcome.Invalid : check.Outcome;
            return await RefuseAsync(outcome, null);
        }
        // Bound to the address it was sent to: once the account's address changed, the link verifies nothing.
        var normalized = users.NormalizeEmail(address);
        var verified = await db.Users
            .Where(u => u.Id == token.UserId && u.NormalizedEmail == normalized)
            .ExecuteUpdateAsync(set => set
                .SetProperty(u => u.EmailConfirmed, true)
                // A new concurrency stamp spoils any write made from an older read of the row.
                .SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid().ToString()), CancellationToken.None) == 1;
        if (!verified)
        {
            return await RefuseAsync(AccountTokenOutcome.Invalid, token.UserId);
        }
        audit.Add(http, AuditEvents.EmailVerified, AuditEvents.Success, token.UserId);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        // /auth/me reports emailVerified from the remembered profile. Other instances hold theirs for at
        // most UserProfiles.Ttl (a minute); there is no fan-out for profiles, and a late "unverified" is harmless.
        profiles.Forget(token.UserId);
        return TypedResults.Ok(new EmailVerifiedResponse(address, true));

        async Task<ProblemHttpResult> RefuseAsync(AccountTokenOutcome outcome, Guid? userId)
        {
            var problem = Problems.Token(outcome);
            audit.Add(http, AuditEvents.EmailVerified, OutcomeCode(outcome), userId);
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            return problem;
        }
    }

    internal static async Task<Results<Accepted<VerificationSentResponse>, ValidationProblem, ProblemHttpResult>> SendAsync(
        SendVerificationRequest? request, ClaimsPrincipal principal, UserManager<User> users, EmailVerification verification,
        AccountTokens tokens, BruteForceLimits limits, AuditLog audit, GatehouseDbContext db, HttpContext http)
    {
        // Whoever asks sends a JSON object, and a name in it must be one an account could have: input
        // that can name no account is refused as such, which tells nothing about any account.
        if (request is null)
        {
            return Problems.Validation([AuthErrors.BodyRequired]);
        }
        if (request.Username is { } given && SignInNames.Check(given).ToList() is { Count: > 0 } invalid)
        {
            return Problems.Validation(invalid);
        }
        User? user;
        if (principal.TryGetSession(out var userId, out _))
        {
            if (await limits.TryAcquireForUserAsync(LimitedAction.EmailVerification, userId.ToString(), http) is { } limited)
            {
                return limited;
            }
            user = await users.FindByIdAsync(userId.ToString());
            if (user is null)
            {
                return Problems.Unauthorized(AuthErrors.Unauthenticated);
            }
            // Signed in, the caller sees their own account: plain answers reveal nothing to anyone else.
            if (string.IsNullOrEmpty(user.Email))
            {
                return Problems.Validation([AuthErrors.EmailRequired]);
            }
            if (user.EmailConfirmed)
            {
                return Problems.Conflict(AuthErrors.EmailAlreadyVerified);
            }
        }
        else
        {
            var name = request.Username;
            if (string.IsNullOrEmpty(name))
            {
                return Problems.Validation([AuthErrors.UsernameRequired]);
            }
            // Per name as given, whether or not an account has it: a 429 for some names only would tell.
            if (await limits.TryAcquireForUserAsync(LimitedAction.EmailVerification, SignInNames.Normalize(users, name), http) is { } limited)
            {
                return limited;
            }
            user = await SignInNames.FindAsync(users, name);
        }

        // The same statements whatever was found (Guid.Empty names no account): only an existing,
        // unverified address gets a mail, and the answer is the same 202 either way.
        var target = user is { Email.Length: > 0, EmailConfirmed: false } ? user : null;
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        // A new link replaces the older ones: only the latest mail's link verifies.
        await tokens.VoidAsync(target?.Id ?? Guid.Empty, AccountTokenPurposes.VerifyEmail, CancellationToken.None);
        if (target is not null)
        {
            verification.Stage(target);
        }
        audit.Add(http, AuditEvents.EmailVerificationSent,
            target is not null ? AuditEvents.Success : user is null ? "unknown_user" : user.EmailConfirmed ? "already_verified" : "no_address",
            user?.Id);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        return TypedResults.Accepted((string?)null, new VerificationSentResponse(true));
    }

    private static string OutcomeCode(AccountTokenOutcome outcome) => outcome switch
    {
        AccountTokenOutcome.Expired => AuthErrors.TokenExpired.Code,
        AccountTokenOutcome.Used => AuthErrors.TokenUsed.Code,
        _ => AuthErrors.TokenInvalid.Code,
    };
}
