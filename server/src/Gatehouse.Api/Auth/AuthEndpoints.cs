using System.Security.Claims;
using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Auth;

public static partial class AuthEndpoints
{
    public static RouteGroupBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth").WithTags("Auth");

        group.MapPost("/register", SignUp.RegisterAsync)
            .LimitPerClient(LimitedAction.Register)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Create an account and mail its address a verification link (202 instead of 201 while verified addresses are required)");
        group.MapPost("/login", LoginAsync)
            .LimitPerClient(LimitedAction.Login)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Sign in with a username or an email address; sets the access_token, refresh_token and device_token cookies");
        // Anonymous on purpose: signing out must work with an expired or broken access token too.
        group.MapPost("/logout", LogoutAsync).WithSummary("Sign out; revokes the session and deletes its cookies (not the device cookie)");

        group.MapGet("/is-authenticated", () => TypedResults.Ok(new IsAuthenticatedResponse(true)))
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("200 with a live session, 401 otherwise");
        group.MapGet("/me", MeAsync)
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The signed-in user");
        group.MapPost("/password", ChangePasswordAsync)
            .RequireAuthorization()
            .LimitPerClient(LimitedAction.Password)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Change the password (needs a recent authentication); ends every session and gives this browser a new one");
        return group;
    }

    internal static async Task<Results<Ok<LoginResponse>, Ok<SecondFactorRequiredResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest? request,
        UserManager<User> users,
        DummyPassword dummy,
        FailedSignIns failures,
        BruteForceLimits limits,
        AuditLog audit,
        KnownDevices devices,
        PasswordHashingLimit hashing,
        SignIns signIns,
        PendingSignIns pending,
        IOptions<AccountOptions> accounts,
        HttpContext http)
    {
        var missing = new List<AuthError>();
        if (string.IsNullOrEmpty(request?.Username)) missing.Add(AuthErrors.UsernameRequired);
        if (string.IsNullOrEmpty(request?.Password)) missing.Add(AuthErrors.PasswordRequired);
        if (missing.Count > 0)
        {
            return Problems.Validation(missing);
        }
        // A slot for the hash (see PasswordHashingLimit), taken first as when the whole request held it,
        // so a busy server answers 429 before counting anything; given back as soon as the hash is done.
        using var slot = await hashing.EnterAsync(http.RequestAborted);
        if (slot is null)
        {
            return PasswordHashingLimit.Busy(http);
        }
        // A username or an email address (see SignInNames): the same steps either way.
        var byEmail = SignInNames.IsEmail(request!.Username!);
        var normalizedName = SignInNames.Normalize(users, request.Username!);
        // A name no database can hold (PostgreSQL refuses NUL and unpaired surrogates in text) is no
        // account's: it is an unknown user, answered without a query that would fail as an outage.
        var storable = UsernameRules.CanBeLookedUp(normalizedName);
        // A browser that signed in to this very account before (its device cookie) is judged by its own
        // failures, not by the account's lock for unknown clients, so a stranger's guesses cannot keep
        // the owner out (OWASP device cookies). A device cookie of another account is ignored.
        var device = storable ? await devices.FindAsync(http.Request, normalizedName, byEmail) : null;
        // Per account, whether or not it exists: a 429 for some names only would reveal which exist. A
        // known device has a bucket of its own, which a stranger filling the account's cannot reach.
        var bucket = device is null ? normalizedName : "device:" + device.Id.ToString("N");
        if (await limits.TryAcquireForUserAsync(LimitedAction.Login, bucket, http) is { } limited)
        {
            return limited;
        }

        var user = storable ? await SignInNames.FindAsync(users, request.Username!) : null;
        if (device is not null && device.UserId != user?.Id)
        {
            device = null; // the account was replaced between the two reads; its devices went with it
        }
        var lockedOut = user is not null && failures.IsLockedOut(user, device);
        if (user is null || lockedOut)
        {
            // Spend the same time as a real check (one hash, the same database statements), so the
            // answer's timing does not reveal whether the account exists or is locked.
            dummy.Verify(request.Password!);
            slot.Dispose();
            var outcome = user is null ? "unknown_user" : device is null ? "locked_out" : "device_locked_out";
            await failures.RecordAsync(http, user?.Id, outcome, count: false);
            return Problems.Unauthorized(AuthErrors.InvalidCredentials);
        }

        var passwordMatches = await users.CheckPasswordAsync(user, request.Password!);
        slot.Dispose();
        if (!passwordMatches)
        {
            await failures.RecordAsync(http, user.Id, "wrong_password", count: true, device?.Id);
            return Problems.Unauthorized(AuthErrors.InvalidCredentials);
        }
        // Only with the right password: the 403 (disabled, a new password owed, an address to verify)
        // tells nothing a stranger could not learn without it; a wrong one got the generic 401 above.
        if (accounts.Value.SignInRefusal(user) is { } refusal)
        {
            await audit.WriteAsync(http, AuditEvents.SignIn, refusal.Code, user.Id);
            return Problems.Forbidden(refusal);
        }
        // An account with a second factor: the password was right, but no session yet (Mfa/PendingSignIns).
        if (user.TwoFactorEnabled)
        {
            return TypedResults.Ok(await pending.BeginAsync(user, AuthMethods.Password, http));
        }
        if (!await signIns.StartAsync(user, AuthMethods.Password, device, http))
        {
            return Problems.Unauthorized(AuthErrors.InvalidCredentials);
        }
        return TypedResults.Ok(new LoginResponse(true, "User logged in"));
    }

    internal static async Task<NoContent> LogoutAsync(HttpContext http, SessionStore sessions, AuthCookies cookies, AuditLog audit)
    {
        if (await SignIns.HeldSessionAsync(http, sessions, cookies) is { } held)
        {
            await sessions.RevokeAsync(held.SessionId, RevocationReasons.Logout);
            await audit.WriteAsync(http, AuditEvents.Logout, AuditEvents.Success, held.UserId, held.SessionId);
        }
        // Only the session's cookies: the device cookie stays, it is what keeps this browser's way in
        // to the account while a stranger's guesses lock it for everyone else.
        cookies.DeleteAll(http.Response);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> MeAsync(ClaimsPrincipal principal, UserProfiles profiles, HttpContext http)
    {
        // The guard has checked the session; the profile is usually remembered (see UserProfiles).
        if (await profiles.FindAsync(principal.Session().UserId, http.RequestAborted) is not { } profile)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        return TypedResults.Ok(MeResponse.From(profile));
    }

    internal static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest? request,
        ClaimsPrincipal principal,
        UserManager<User> users,
        CommonPasswords common,
        SessionStore sessions,
        AccessTokenIssuer tokens,
        AuthCookies cookies,
        BruteForceLimits limits,
        AuditLog audit,
        KnownDevices devices,
        SecurityNotices notices,
        PasswordHashingLimit hashing,
        GatehouseDbContext db,
        HttpContext http)
    {
        // Identity checks, hashes and saves in one call, so the slot covers all three; not what follows.
        using var slot = await hashing.EnterAsync(http.RequestAborted);
        if (slot is null)
        {
            return PasswordHashingLimit.Busy(http);
        }
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.Password, userId.ToString(), http) is { } limited)
        {
            return limited;
        }

        var errors = new List<AuthError>();
        if (string.IsNullOrEmpty(request?.CurrentPassword)) errors.Add(AuthErrors.CurrentPasswordRequired);
        errors.AddRange(PasswordRules.Check(request?.NewPassword, common).Select(e => e with { Field = "newPassword" }));
        if (errors.Count == 0 && request!.NewPassword == request.CurrentPassword) errors.Add(AuthErrors.PasswordUnchanged);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        var result = await users.ChangePasswordAsync(user, request!.CurrentPassword!, request.NewPassword!);
        if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
        {
            // A failed sign-in or another change touched the row meanwhile: start again from what is stored.
            await db.Entry(user).ReloadAsync();
            result = await users.ChangePasswordAsync(user, request.CurrentPassword!, request.NewPassword!);
        }
        slot.Dispose();
        if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
        {
            return Problems.Conflict(AuthErrors.PasswordChangeConflict);
        }
        if (!result.Succeeded)
        {
            if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch)))
            {
                await audit.WriteAsync(http, AuditEvents.PasswordChange, AuthErrors.CurrentPasswordIncorrect.Code, userId, sessionId);
                return Problems.Validation([AuthErrors.CurrentPasswordIncorrect]);
            }
            return Problems.Validation(result.Errors.Select(e => new AuthError(e.Code, "newPassword", e.Description)));
        }

        // Whoever else holds a session may be the reason for the change: end every session. This browser
        // re-authenticated with the current password, so it gets a fresh session (and no token from
        // before the change stays valid, ASVS 7.2.4).
        await sessions.RevokeAllAsync(userId, RevocationReasons.PasswordChanged);
        // Likewise every other browser the account knew: one that learned the old password must not
        // keep a known device's way past the lockout. This browser stays known.
        var thisDevice = await devices.FindAsync(http.Request, user.NormalizedUserName!);
        await devices.ForgetOthersAsync(userId, thisDevice?.Id);
        // The new session was proven as the old one was, and by the current password just now.
        var methods = AuthMethods.Join([.. AuthMethods.Split(principal.AuthMethods()), AuthMethods.Password]);
        var issued = await sessions.CreateAsync(userId, methods, http, CancellationToken.None);
        // The owner hears of it, at a verified address only (see SecurityNotices); saved with the audit row.
        notices.PasswordChanged(user);
        await audit.WriteAsync(http, AuditEvents.PasswordChange, AuditEvents.Success, userId, issued.Session.Id);
        var roles = await UserProfiles.ReadRolesAsync(db, userId, CancellationToken.None);
        cookies.Append(http.Response, tokens.Issue(issued.Session, user.UserName!, roles), issued);
        return TypedResults.NoContent();
    }
}
