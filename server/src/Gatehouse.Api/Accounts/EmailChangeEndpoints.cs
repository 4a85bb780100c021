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

public sealed record ChangeEmailRequest(string? NewEmail, string? CurrentPassword);

public sealed record ConfirmEmailChangeRequest(string? Token);

public sealed record EmailChangedResponse(string Email);

/// <summary>
/// Changing the address: asked for by the signed-in user with the password, done only once the new
/// address confirms by its link. The old address hears of both steps, with a reset link to take the
/// account back.
/// </summary>
public static class EmailChangeEndpoints
{
    public static RouteGroupBuilder MapEmailChange(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth/email").WithTags("Account recovery");

        group.MapPost("", RequestAsync)
            .RequireAuthorization()
            .RequireEmail()
            .LimitPerClient(LimitedAction.EmailChange)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Ask to change the address: mails a confirmation link to the new one and a notice to the old one");
        // Anonymous: the link may be opened on another device than the one signed in.
        group.MapPost("/confirm", ConfirmAsync)
            .RequireEmail()
            .LimitPerClient(LimitedAction.EmailToken)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Confirm the new address with its link's token; the address changes now");
        return group;
    }

    internal static async Task<Results<Accepted<MailSentResponse>, ValidationProblem, ProblemHttpResult>> RequestAsync(
        ChangeEmailRequest? request,
        ClaimsPrincipal principal,
        UserManager<User> users,
        AccountTokens tokens,
        SecurityNotices notices,
        BruteForceLimits limits,
        AuditLog audit,
        PasswordHashingLimit hashing,
        GatehouseDbContext db,
        HttpContext http)
    {
        // The password check is a hash: the slot covers it, taken first so a busy server counts nothing.
        using var slot = await hashing.EnterAsync(http.RequestAborted);
        if (slot is null)
        {
            return PasswordHashingLimit.Busy(http);
        }
        var (userId, sessionId) = principal.Session();
        // Per account: a stolen session must not be a free password oracle.
        if (await limits.TryAcquireForUserAsync(LimitedAction.EmailChange, userId.ToString(), http) is { } limited)
        {
            return limited;
        }

        var errors = new List<AuthError>();
        if (string.IsNullOrEmpty(request?.NewEmail))
        {
            errors.Add(AuthErrors.EmailRequired with { Field = "newEmail" });
        }
        else
        {
            errors.AddRange(EmailRules.Check(request.NewEmail).Select(e => e with { Field = "newEmail" }));
        }
        if (string.IsNullOrEmpty(request?.CurrentPassword)) errors.Add(AuthErrors.CurrentPasswordRequired);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        var passwordMatches = await users.CheckPasswordAsync(user, request!.CurrentPassword!);
        slot.Dispose();
        if (!passwordMatches)
        {
            await audit.WriteAsync(http, AuditEvents.EmailChangeRequested, AuthErrors.CurrentPasswordIncorrect.Code, userId, sessionId);
            return Problems.Validation([AuthErrors.CurrentPasswordIncorrect]);
        }
        var newEmail = request.NewEmail!;
        if (string.Equals(users.NormalizeEmail(newEmail), user.NormalizedEmail, StringComparison.Ordinal))
        {
            return Problems.Validation([AuthErrors.EmailUnchanged]);
        }
        // Signed in with the password: telling this caller the address is taken reveals nothing a
        // sign-up would not. Checked again, by the unique index, when the change is confirmed.
        if (await users.FindByEmailAsync(newEmail) is not null)
        {
            await audit.WriteAsync(http, AuditEvents.EmailChangeRequested, AuthErrors.EmailTaken.Code, userId, sessionId);
            return Problems.Conflict(AuthErrors.EmailTaken with { Field = "newEmail" });
        }

        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        // A newer request replaces the older: only its link confirms.
        await tokens.VoidAsync(userId, AccountTokenPurposes.ChangeEmail, CancellationToken.None);
        var confirm = tokens.Issue(user, AccountTokenPurposes.ChangeEmail, newEmail, SecurityNotices.ChangeEmailLifetime);
        notices.ConfirmEmailChange(user, newEmail, confirm);
        if (SecurityNotices.NoticeAddress(user) is { } oldEmail)
        {
            // Whoever holds the session and the password may not be the owner: the owner's mailbox gets a
            // way to take the account back (a reset ends every session and voids the pending change).
            await tokens.VoidAsync(userId, AccountTokenPurposes.ResetPassword, CancellationToken.None);
            var reset = tokens.Issue(user, AccountTokenPurposes.ResetPassword, oldEmail, SecurityNotices.ResetLifetime);
            notices.EmailChangeRequested(user, oldEmail, newEmail, reset);
        }
        audit.Add(http, AuditEvents.EmailChangeRequested, AuditEvents.Success, userId, sessionId);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        return TypedResults.Accepted((string?)null, new MailSentResponse(true));
    }

    internal static async Task<Results<Ok<EmailChangedResponse>, ProblemHttpResult>> ConfirmAsync(
        ConfirmEmailChangeRequest? request,
        UserManager<User> users,
        AccountTokens tokens,
        SecurityNotices notices,
        BruteForceLimits limits,
        AuditLog audit,
        UserProfiles profiles,
        GatehouseDbContext db,
        HttpContext http)
    {
        var peek = await tokens.PeekAsync(AccountTokenPurposes.ChangeEmail, request?.Token, http.RequestAborted);
        if (peek.Outcome != AccountTokenOutcome.Valid)
        {
            await audit.WriteAsync(http, AuditEvents.EmailChanged, PasswordResetEndpoints.TokenCode(peek.Outcome));
            return Problems.Token(peek.Outcome);
        }
        var userId = peek.Token!.UserId;
        if (await limits.TryAcquireForUserAsync(LimitedAction.EmailToken, userId.ToString(), http) is { } limited)
        {
            return limited;
        }

        // Not cancellable from here on: the token, the address and the notice commit together.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var check = await tokens.ConsumeAsync(AccountTokenPurposes.ChangeEmail, request!.Token, CancellationToken.None);
        var user = check.Outcome == AccountTokenOutcome.Valid ? await users.FindByIdAsync(userId.ToString()) : null;
        if (user is null || check.Token!.Email is not { Length: > 0 } newEmail)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            var outcome = check.Outcome == AccountTokenOutcome.Valid ? AccountTokenOutcome.Invalid : check.Outcome;
            await audit.WriteAsync(http, AuditEvents.EmailChanged, PasswordResetEndpoints.TokenCode(outcome), userId);
            return Problems.Token(outcome);
        }
        var oldEmail = SecurityNotices.NoticeAddress(user);

        IdentityResult result;
        try
        {
            result = await SetVerifiedEmailAsync(users, user, newEmail);
            if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
            {
                // A failed sign-in touched the row meanwhile: start again from what is stored.
                await db.Entry(user).ReloadAsync(CancellationToken.None);
                result = await SetVerifiedEmailAsync(users, user, newEmail);
            }
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // Another account took the address since the link was sent; the unique index decided.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            await audit.WriteAsync(http, AuditEvents.EmailChanged, AuthErrors.EmailTaken.Code, userId);
            return Problems.Conflict(AuthErrors.EmailTaken);
        }
        if (!result.Succeeded)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return Problems.Conflict(AuthErrors.EmailChangeConflict);
        }

        if (oldEmail is not null)
        {
            // The change renewed the security stamp, voiding the reset link sent with the request: the
            // old address gets a fresh one, as it may be the owner's only way back in.
            await tokens.VoidAsync(user.Id, AccountTokenPurposes.ResetPassword, CancellationToken.None);
            var reset = tokens.Issue(user, AccountTokenPurposes.ResetPassword, oldEmail, SecurityNotices.ResetLifetime);
            notices.EmailChanged(user, oldEmail, newEmail, reset);
        }
        audit.Add(http, AuditEvents.EmailChanged, AuditEvents.Success, user.Id);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        // This instance's /auth/me shows the new address at once; the others' within UserProfiles.Ttl.
        profiles.Forget(user.Id);
        return TypedResults.Ok(new EmailChangedResponse(newEmail));
    }

    /// <summary>
    /// Sets the address through Identity (which renews the security stamp, voiding the account's other
    /// links) and marks it verified: the link that was mailed to it is the proof.
    /// </summary>
    private static async Task<IdentityResult> SetVerifiedEmailAsync(UserManager<User> users, User user, string email)
    {
        var set = await users.SetEmailAsync(user, email);
        if (!set.Succeeded)
        {
            return set;
        }
        user.EmailConfirmed = true;
        return await users.UpdateAsync(user);
    }
}
