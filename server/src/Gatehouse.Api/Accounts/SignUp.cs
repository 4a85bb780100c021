using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Email;
using Gatehouse.Api.Security;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

/// <summary>
/// Sign-up (<c>POST /auth/register</c>): an account with an address, and the verification mail that
/// commits with it. The account, the token and the outbox row are one SaveChanges (one transaction), so
/// a failed sign-up sends nothing and a made account always has its mail.
/// </summary>
public static class SignUp
{
    internal static async Task<Results<Created<RegisterResponse>, Accepted<SignUpAcceptedResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest? request, UserManager<User> users, IUserStore<User> store, CommonPasswords common, BruteForceLimits limits,
        AuditLog audit, PasswordHashingLimit hashing, EmailVerification verification, MailOutbox outbox, AccountMails mails,
        IOptions<AccountOptions> options, GatehouseDbContext db, TimeProvider time, HttpContext http)
    {
        var accounts = options.Value;
        var email = request?.Email;
        var emailErrors = accounts.RequireEmail && string.IsNullOrEmpty(email) ? [AuthErrors.EmailRequired] : EmailRules.Check(email);
        var errors = UsernameRules.Check(request?.Username)
            .Concat(emailErrors)
            .Concat(PasswordRules.Check(request?.Password, common))
            .ToList();
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        // Identity hashes in CreateAsync, so the slot covers it; the commit comes after it.
        using var slot = await hashing.EnterAsync(http.RequestAborted);
        if (slot is null)
        {
            return PasswordHashingLimit.Busy(http);
        }
        if (await limits.TryAcquireForUserAsync(LimitedAction.Register, users.NormalizeName(request!.Username)!, http) is { } limited)
        {
            return limited;
        }

        // Usernames are public (they are how people find each other), so a taken one is said plainly, first.
        if (await users.FindByNameAsync(request.Username!) is not null)
        {
            return Problems.Conflict(AuthErrors.UsernameTaken);
        }
        // Addresses are not: with verified addresses required, a taken one is answered as a fresh
        // sign-up, and only the address's owner learns of the attempt, by mail.
        var owner = email is null ? null : await users.FindByEmailAsync(email);
        if (owner is not null && !accounts.RequireVerifiedEmail)
        {
            return Problems.Conflict(AuthErrors.EmailTaken);
        }

        var user = new User { UserName = request.Username, Email = email, CreatedAt = time.GetUtcNow() };
        // Identity saves inside CreateAsync; staged instead, the account commits with its token and mail
        // below. A taken address goes through the very same validation and hash, so its answer takes
        // as long as a fresh sign-up's.
        StageOnly(store);
        var result = await users.CreateAsync(user, request.Password!);
        slot.Dispose();
        if (!result.Succeeded)
        {
            if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName)))
            {
                return Problems.Conflict(AuthErrors.UsernameTaken);
            }
            // Any other Identity refusal is one of our own rules, already reported above; keep its code.
            return Problems.Validation(result.Errors.Select(e => new AuthError(e.Code, "password", e.Description)));
        }

        if (owner is not null)
        {
            db.Entry(user).State = EntityState.Detached;
            outbox.Enqueue(mails.SignUpAttempt(owner.Email!, http));
            audit.Add(http, AuditEvents.SignUpAttemptExisting, AuditEvents.Success, owner.Id);
            await db.SaveChangesAsync(CancellationToken.None);
            return Accepted(user);
        }
        if (email is not null)
        {
            verification.Stage(user);
        }
        audit.Add(http, AuditEvents.Register, AuditEvents.Success, user.Id);
        try
        {
            // Not cancellable: the account, its token and its mail commit together or not at all.
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // Two sign-ups raced past the checks above; the unique index decided, and nothing was saved.
            db.ChangeTracker.Clear();
            if (await users.FindByNameAsync(request.Username!) is not null)
            {
                return Problems.Conflict(AuthErrors.UsernameTaken);
            }
            return accounts.RequireVerifiedEmail ? Accepted(user) : Problems.Conflict(AuthErrors.EmailTaken);
        }

        // With verified addresses required the account cannot sign in yet: the answer says to check the mail.
        return accounts.RequireVerifiedEmail && email is not null
            ? Accepted(user)
            : TypedResults.Created("/auth/me", new RegisterResponse(user.Id, user.UserName!));

        static Accepted<SignUpAcceptedResponse> Accepted(User user) =>
            TypedResults.Accepted((string?)null, new SignUpAcceptedResponse(user.UserName!, VerificationSent: true));
    }

    /// <summary>
    /// Makes Identity's store stage its writes in the request's unit of work instead of saving each one
    /// (<c>AutoSaveChanges</c>), for the rest of this request's scope: the caller saves.
    /// </summary>
    private static void StageOnly(IUserStore<User> store)
    {
        if (store is not UserStore<User, Role, GatehouseDbContext, Guid, IdentityUserClaim<Guid>, IdentityUserRole<Guid>, IdentityUserLogin<Guid>, IdentityUserToken<Guid>, IdentityRoleClaim<Guid>> entityStore)
        {
            throw new InvalidOperationException($"Sign-up expects Identity's Entity Framework user store, not {store.GetType().Name}.");
        }
        entityStore.AutoSaveChanges = false;
    }
}
