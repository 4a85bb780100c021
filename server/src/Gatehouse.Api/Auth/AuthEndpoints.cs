using System.Security.Claims;
using Gatehouse.Api.Data;
using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Auth;

public static partial class AuthEndpoints
{
    public static RouteGroupBuilder MapAuth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth").WithTags("Auth");

        group.MapPost("/register", RegisterAsync)
            .RequireRateLimiting(PasswordHashingLimit.Policy)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Create an account");
        group.MapPost("/login", LoginAsync)
            .RequireRateLimiting(PasswordHashingLimit.Policy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Sign in; sets the access_token cookie");
        // Anonymous on purpose: signing out must work with an expired or broken cookie too.
        group.MapPost("/logout", LogoutAsync).WithSummary("Sign out; revokes the session and deletes the cookie");

        group.MapGet("/is-authenticated", () => TypedResults.Ok(new IsAuthenticatedResponse(true)))
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("200 with a live session, 401 otherwise");
        group.MapGet("/me", MeAsync)
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The signed-in user");
        return group;
    }

    internal static async Task<Results<Created<RegisterResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest? request, UserManager<User> users, CommonPasswords common, TimeProvider time)
    {
        var errors = UsernameRules.Check(request?.Username)
            .Concat(EmailRules.Check(request?.Email))
            .Concat(PasswordRules.Check(request?.Password, common))
            .ToList();
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var email = request!.Email;
        if (email is not null && await users.FindByEmailAsync(email) is not null)
        {
            return Problems.Conflict(AuthErrors.EmailTaken);
        }

        var user = new User { UserName = request.Username, Email = email, CreatedAt = time.GetUtcNow() };
        IdentityResult result;
        try
        {
            result = await users.CreateAsync(user, request.Password!);
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // Two sign-ups raced past the checks above; the unique index decided.
            return await users.FindByNameAsync(request.Username!) is not null
                ? Problems.Conflict(AuthErrors.UsernameTaken)
                : Problems.Conflict(AuthErrors.EmailTaken);
        }

        if (result.Succeeded)
        {
            return TypedResults.Created("/auth/me", new RegisterResponse(user.Id, user.UserName!));
        }
        if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName)))
        {
            return Problems.Conflict(AuthErrors.UsernameTaken);
        }
        // Any other Identity refusal is one of our own rules, already reported above; keep its code.
        return Problems.Validation(result.Errors.Select(e => new AuthError(e.Code, "password", e.Description)));
    }

    internal static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest? request,
        UserManager<User> users,
        DummyPassword dummy,
        FailedSignIns failures,
        SessionStore sessions,
        AccessTokenIssuer tokens,
        AccessTokenCookie cookie,
        HttpContext http,
        ILoggerFactory loggers)
    {
        var missing = new List<AuthError>();
        if (string.IsNullOrEmpty(request?.Username)) missing.Add(AuthErrors.UsernameRequired);
        if (string.IsNullOrEmpty(request?.Password)) missing.Add(AuthErrors.PasswordRequired);
        if (missing.Count > 0)
        {
            return Problems.Validation(missing);
        }

        var logger = loggers.CreateLogger("Gatehouse.Auth");
        var user = await users.FindByNameAsync(request!.Username!);
        if (user is null || failures.IsLockedOut(user))
        {
            // Spend the same time as a real check, so the answer's timing does not reveal whether
            // the account exists (or is locked).
            dummy.Verify(request.Password!);
            LogSignInFailed(logger, user is null ? "unknown user" : "locked out");
            return Problems.Unauthorized(AuthErrors.InvalidCredentials);
        }

        if (!await users.CheckPasswordAsync(user, request.Password!))
        {
            await failures.RecordAsync(user.Id);
            LogSignInFailed(logger, "wrong password");
            return Problems.Unauthorized(AuthErrors.InvalidCredentials);
        }
        if (user.AccessFailedCount > 0)
        {
            await users.ResetAccessFailedCountAsync(user);
        }

        var session = await sessions.CreateAsync(user.Id, tokens.Lifetime, http, http.RequestAborted);
        cookie.Append(http.Response, tokens.Issue(session));
        LogSignedIn(logger, user.Id, session.Id);
        return TypedResults.Ok(new LoginResponse(true, "User logged in"));
    }

    internal static async Task<NoContent> LogoutAsync(HttpContext http, SessionStore sessions, AccessTokenCookie cookie)
    {
        // The endpoint allows anonymous callers, so authenticate here: a live session is revoked;
        // without one there is nothing to revoke, and the cookie is cleared either way.
        var result = await http.AuthenticateAsync();
        if (result.Succeeded && Guid.TryParse(result.Principal.FindFirstValue(AccessTokenIssuer.SessionClaim), out var sessionId))
        {
            await sessions.RevokeAsync(sessionId);
        }
        cookie.Delete(http.Response);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> MeAsync(ClaimsPrincipal principal, UserManager<User> users)
    {
        var user = await users.FindByIdAsync(principal.FindFirstValue(JwtRegisteredClaimNames.Sub)!);
        if (user is null)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        return TypedResults.Ok(new MeResponse(user.Id, user.UserName!, user.Email, user.CreatedAt));
    }

    [LoggerMessage(LogLevel.Information, "Sign-in failed: {Reason}")]
    private static partial void LogSignInFailed(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Information, "User {UserId} signed in, session {SessionId}")]
    private static partial void LogSignedIn(ILogger logger, Guid userId, Guid sessionId);
}
