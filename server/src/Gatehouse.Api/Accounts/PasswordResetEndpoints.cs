using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Email;
using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Accounts;

public sealed record ForgotPasswordRequest(string? Username);

/// <summary>The answer of the endpoints that send a mail: the same whoever asked.</summary>
public sealed record MailSentResponse(bool Sent);

public sealed record ResetPasswordRequest(string? Token, string? NewPassword);

public sealed record ResetPasswordResponse(bool Reset);

/// <summary>Forgot password: a link by mail, then a new password with the link's token. Never signs in.</summary>
public static class PasswordResetEndpoints
{
    /// <summary>The mails of reset and email change, and the background half of forgot-password.</summary>
    public static IServiceCollection AddAccountRecovery(this IServiceCollection services)
    {
        services.AddScoped<SecurityNotices>();
        services.AddSingleton<PasswordResetRequests>();
        services.AddHostedService(provider => provider.GetRequiredService<PasswordResetRequests>());
        return services;
    }

    public static RouteGroupBuilder MapPasswordReset(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth/password").WithTags("Account recovery");

        group.MapPost("/forgot", ForgotAsync)
            .RequireEmail()
            .LimitPerClient(LimitedAction.PasswordForgot)
            .WithSummary("Mail a password reset link to the account's address; the same 202 whether or not the account exists");
        group.MapPost("/reset", ResetAsync)
            .RequireEmail()
            .LimitPerClient(LimitedAction.EmailToken)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Set a new password with a reset link's token; ends every session and does not sign in");
        return group;
    }

    internal static async Task<Results<Accepted<MailSentResponse>, ValidationProblem, ProblemHttpResult>> ForgotAsync(
        ForgotPasswordRequest? request, PasswordResetRequests requests, UserManager<User> users, BruteForceLimits limits, HttpContext http)
    {
        if (string.IsNullOrWhiteSpace(request?.Username))
        {
            return Problems.Validation([AuthErrors.UsernameRequired]);
        }
        var name = request.Username.Trim();
        var isEmail = name.Contains('@', StringComparison.Ordinal);
        // Only the form is judged (a name or an address that could exist), never whether one does.
        var errors = (isEmail ? EmailRules.Check(name) : UsernameRules.Check(name)).Select(e => e with { Field = "username" }).ToList();
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        // Counted per name or address as typed, whether or not an account has it: a 429 for some names
        // only would reveal which exist. It bounds the mails one mailbox can be sent.
        var key = isEmail ? "email:" + users.NormalizeEmail(name) : users.NormalizeName(name);
        if (await limits.TryAcquireForUserAsync(LimitedAction.PasswordForgot, key, http) is { } limited)
        {
            return limited;
        }
        // Nothing above depended on the account; the lookup and the mail happen after the answer, once
        // it is sent, so that not even the start of the work shares the time the caller measures.
        var queued = new PasswordResetRequest(name, AuditClient.From(http));
        http.Response.OnCompleted(() =>
        {
            requests.Submit(queued);
            return Task.CompletedTask;
        });
        return TypedResults.Accepted((string?)null, new MailSentResponse(true));
    }

    internal static async Task<Results<Ok<ResetPasswordResponse>, ValidationProblem, ProblemHttpResult>> ResetAsync(
        ResetPasswordRequest? request,
        UserManager<User> users,
        CommonPasswords common,
        AccountTokens tokens,
        SessionStore sessions,
        KnownDevices devices,
        SecurityNotices notices,
        BruteForceLimits limits,
        AuditLog audit,
        UserProfiles profiles,
        PasswordHashingLimit hashing,
        GatehouseDbContext db,
        HttpContext http)
    {
        // The token first: a dead link is what the page must say, whatever password was typed.
        var peek = await tokens.PeekAsync(AccountTokenPurposes.ResetPassword, request?.Token, http.RequestAborted);
        if (peek.Outcome != AccountTokenOutcome.Valid)
        {
            await audit.WriteAsync(http, AuditEvents.PasswordReset, TokenCode(peek.Outcome));
            return Problems.Token(peek.Outcome);
        }
        var userId = peek.Token!.UserId;
        if (await limits.TryAcquireForUserAsync(LimitedAction.EmailToken, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        var errors = PasswordRules.Check(request!.NewPassword, common).Select(e => e with { Field = "newPassword" }).ToList();
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // Identity hashes and saves in one call, so the slot covers both.
        using var slot = await hashing.EnterAsync(http.RequestAborted);
        if (slot is null)
        {
            return PasswordHashingLimit.Busy(http);
        }
        // One transaction: the token is used, the password set, every session ended and the notice
        // staged together, or none of it. Not cancellable from here on.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var check = await tokens.ConsumeAsync(AccountTokenPurposes.ResetPassword, request.Token, CancellationToken.None);
        var user = check.Outcome == AccountTokenOutcome.Valid ? await users.FindByIdAsync(userId.ToString()) : null;
        if (user is null)
        {
            // Used by a parallel request between the peek and here (or the account is gone).
            await transaction.RollbackAsync(CancellationToken.None);
            var outcome = check.Outcome == AccountTokenOutcome.Valid ? AccountTokenOutcome.Invalid : check.Outcome;
            await audit.WriteAsync(http, AuditEvents.PasswordReset, TokenCode(outcome), userId);
            return Problems.Token(outcome);
        }

        var result = await SetPasswordAsync(users, user, check.Token!, request.NewPassword!);
        if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
        {
            // A failed sign-in touched the row meanwhile: start again from what is stored.
            await db.Entry(user).ReloadAsync(CancellationToken.None);
            result = await SetPasswordAsync(users, user, check.Token!, request.NewPassword!);
        }
        slot.Dispose();
        if (!result.Succeeded)
        {
            // Nothing happened, the token included: the same link can be tried again.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure))
                ? Problems.Conflict(AuthErrors.PasswordChangeConflict)
                : Problems.Validation(result.Errors.Select(e => new AuthError(e.Code, "newPassword", e.Description)));
        }

        // Whoever knew the old password may hold a session or a known device's way past the lockout:
        // end all of them, here and (through the fan-out and the revocation feed) everywhere else.
        await sessions.RevokeAllAsync(user.Id, RevocationReasons.PasswordReset);
        await devices.ForgetOthersAsync(user.Id, keep: null);
        notices.PasswordReset(user);
        audit.Add(http, AuditEvents.PasswordReset, AuditEvents.Success, user.Id);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        profiles.Forget(user.Id);
        // No sign-in here: a second factor will join this path, and a reset link alone must not be one.
        return TypedResults.Ok(new ResetPasswordResponse(true));
    }

    /// <summary>
    /// Sets the password through Identity (validators, hasher, new security stamp, which voids every
    /// other link of the account) and, in the same save, marks the address verified when the link was
    /// sent to the account's present address (following it proved the mailbox) and clears the lockout
    /// for unknown clients: guesses at the old password say nothing about the new one.
    /// </summary>
    private static async Task<IdentityResult> SetPasswordAsync(UserManager<User> users, User user, AccountToken token, string newPassword)
    {
        if (token.Email is { } sentTo && user.NormalizedEmail is not null
            && string.Equals(users.NormalizeEmail(sentTo), user.NormalizedEmail, StringComparison.Ordinal))
        {
            user.EmailConfirmed = true;
        }
        user.AccessFailedCount = 0;
        user.LockoutEnd = null;
        // The new password an administrator asked for (Admin/): chosen, so sign-in is open again.
        user.PasswordResetRequired = false;
        var removed = await users.RemovePasswordAsync(user);
        return removed.Succeeded ? await users.AddPasswordAsync(user, newPassword) : removed;
    }

    internal static string TokenCode(AccountTokenOutcome outcome) => outcome switch
    {
        AccountTokenOutcome.Expired => AuthErrors.TokenExpired.Code,
        AccountTokenOutcome.Used => AuthErrors.TokenUsed.Code,
        _ => AuthErrors.TokenInvalid.Code,
    };
}
