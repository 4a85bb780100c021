using System.Security.Claims;
using System.Text.Json;
using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Passkeys;

/// <summary>
/// Passkeys (WebAuthn): add, list, rename and delete them while signed in; sign in with one, without
/// a password (with user verification) or as the second factor after one.
/// </summary>
public static class PasskeyEndpoints
{
    public const int MaxNameLength = 64;
    private const int RecoveryCodeCount = 10;

    public static RouteGroupBuilder MapPasskeys(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth/passkeys").WithTags("Passkeys");

        // Anonymous: they start and finish a sign-in. The global CSRF defence covers them like every
        // POST (an allowed Origin, JSON bodies), so no other site can sign a browser in to an account
        // of its choosing (login CSRF).
        group.MapPost("/login/options", LoginOptionsAsync)
            .LimitPerClient(LimitedAction.Passkey)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Start a passkey sign-in: options for navigator.credentials.get (discoverable, or the passkeys of this browser's pending sign-in)");
        group.MapPost("/login", LoginAsync)
            .LimitPerClient(LimitedAction.Passkey)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Sign in with a passkey: a full sign-in with user verification, or the second factor of this browser's pending sign-in; sets the session cookies");

        var signedIn = group.MapGroup("").RequireAuthorization();
        signedIn.MapPost("/register/options", RegisterOptionsAsync)
            .LimitPerClient(LimitedAction.Passkey)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Start adding a passkey (needs a recent authentication): options for navigator.credentials.create");
        signedIn.MapPost("/register", RegisterAsync)
            .LimitPerClient(LimitedAction.Passkey)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Add the passkey the browser created; answers recovery codes too when it is the account's first second factor");
        signedIn.MapGet("", ListAsync)
            .LimitPerClient(LimitedAction.Passkey)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The account's passkeys");
        signedIn.MapPatch("/{id}", RenameAsync)
            .LimitPerClient(LimitedAction.Passkey)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Rename a passkey");
        signedIn.MapDelete("/{id}", DeleteAsync)
            .LimitPerClient(LimitedAction.Passkey)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Delete a passkey (needs a recent authentication)");
        signedIn.MapPost("/reauthenticate/options", ReauthenticateOptionsAsync)
            .LimitPerClient(LimitedAction.Passkey)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Start a step-up with a passkey: options for navigator.credentials.get, answered to POST /auth/reauthenticate {passkey}");
        return group;
    }

    internal static async Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> RegisterOptionsAsync(
        ClaimsPrincipal principal, UserManager<User> users, PasskeyCeremonies ceremonies, RelyingParty rp, BruteForceLimits limits, HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.Passkey, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (!rp.Available)
        {
            return Problems.Unavailable(AuthErrors.PasskeysUnavailable);
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        var ceremony = await ceremonies.BeginRegistrationAsync(user, sessionId, http);
        return TypedResults.Ok(new PasskeyOptionsResponse(ceremony.CeremonyId, ceremony.Options));
    }

    internal static async Task<Results<Created<PasskeyRegisteredResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        PasskeyRegisterRequest? request,
        ClaimsPrincipal principal,
        UserManager<User> users,
        PasskeyCeremonies ceremonies,
        BruteForceLimits limits,
        AuditLog audit,
        SecurityNotices notices,
        GatehouseDbContext db,
        TimeProvider time,
        HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.Passkey, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (request?.Credential is not { ValueKind: JsonValueKind.Object } credential)
        {
            return Problems.Validation([AuthErrors.PasskeyCredentialRequired]);
        }
        var name = string.IsNullOrWhiteSpace(request.Name) ? $"Passkey {time.GetUtcNow():yyyy-MM-dd}" : request.Name.Trim();
        if (!IsValidName(name))
        {
            return Problems.Validation([AuthErrors.PasskeyNameInvalid]);
        }

        var (ceremonyValid, passkey) = await ceremonies.FinishRegistrationAsync(request.CeremonyId, credential.GetRawText(), userId, sessionId, http);
        if (!ceremonyValid)
        {
            return Problems.BadRequest(AuthErrors.CeremonyInvalid);
        }
        if (passkey is null || await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            await audit.WriteAsync(http, AuditEvents.PasskeyAdded, AuthErrors.PasskeyFailed.Code, userId, sessionId);
            // 400, not 401: the session is fine, the authenticator's answer is not (a 401 would send the
            // web client to renew a session that never ended).
            return Problems.BadRequest(AuthErrors.PasskeyFailed);
        }
        passkey.Name = name;

        // The passkey, the account's second-factor flag, its recovery codes, the notice and the audit row
        // commit together: never a factor without its codes, or codes for a passkey that was not stored.
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        // Identity's TwoFactorEnabled is true iff the account has TOTP on or a passkey (see Mfa/).
        var firstFactor = !user.TwoFactorEnabled;
        user.TwoFactorEnabled = true;
        var stored = await users.AddOrUpdatePasskeyAsync(user, passkey);
        if (!stored.Succeeded)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            await audit.WriteAsync(http, AuditEvents.PasskeyAdded, "conflict", userId, sessionId);
            return Problems.Conflict(AuthErrors.PasskeyFailed);
        }
        IReadOnlyList<string>? codes = null;
        if (firstFactor)
        {
            // The account's first second factor: recovery codes now, shown once, for when the passkey is lost.
            codes = [.. await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount) ?? []];
            audit.Add(http, AuditEvents.RecoveryCodesGenerated, AuditEvents.Success, userId, sessionId);
        }
        notices.PasskeyAdded(user, name);
        audit.Add(http, AuditEvents.PasskeyAdded, AuditEvents.Success, userId, sessionId);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);

        var view = PasskeyView.From(passkey);
        return TypedResults.Created($"/auth/passkeys/{view.Id}", new PasskeyRegisteredResponse(view, codes));
    }

    internal static async Task<Results<Ok<PasskeyListResponse>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal principal, UserManager<User> users, BruteForceLimits limits, HttpContext http)
    {
        var userId = principal.Session().UserId;
        if (await limits.TryAcquireForUserAsync(LimitedAction.Passkey, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        var passkeys = await users.GetPasskeysAsync(user);
        return TypedResults.Ok(new PasskeyListResponse([.. passkeys.OrderBy(p => p.CreatedAt).Select(PasskeyView.From)]));
    }

    internal static async Task<Results<Ok<PasskeyView>, ValidationProblem, ProblemHttpResult>> RenameAsync(
        string id, PasskeyRenameRequest? request, ClaimsPrincipal principal, UserManager<User> users, BruteForceLimits limits, AuditLog audit, HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.Passkey, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        var name = request?.Name?.Trim();
        if (name is null || !IsValidName(name))
        {
            return Problems.Validation([AuthErrors.PasskeyNameInvalid]);
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user
            || CredentialId(id) is not { } credentialId
            || await users.GetPasskeyAsync(user, credentialId) is not { } passkey)
        {
            return Problems.NotFound(AuthErrors.PasskeyNotFound);
        }
        passkey.Name = name;
        if (!(await users.AddOrUpdatePasskeyAsync(user, passkey)).Succeeded)
        {
            return Problems.Conflict(AuthErrors.PasskeyFailed);
        }
        await audit.WriteAsync(http, AuditEvents.PasskeyRenamed, AuditEvents.Success, userId, sessionId);
        return TypedResults.Ok(PasskeyView.From(passkey));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string id,
        ClaimsPrincipal principal,
        UserManager<User> users,
        IUserStore<User> store,
        SecondFactorEnrollment enrollment,
        PasskeyCeremonies ceremonies,
        BruteForceLimits limits,
        AuditLog audit,
        SecurityNotices notices,
        GatehouseDbContext db,
        HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.Passkey, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user
            || CredentialId(id) is not { } credentialId
            || await users.GetPasskeyAsync(user, credentialId) is not { } passkey)
        {
            return Problems.NotFound(AuthErrors.PasskeyNotFound);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        // The account keeps asking for a second factor only while it has one (TOTP or another passkey).
        user.TwoFactorEnabled = user.TotpEnabled || await ceremonies.HasOtherPasskeyAsync(userId, credentialId);
        if (!(await users.RemovePasskeyAsync(user, credentialId)).Succeeded)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return Problems.Conflict(AuthErrors.PasskeyFailed);
        }
        if (!user.TwoFactorEnabled)
        {
            // As when the authenticator app goes (Mfa/MfaEndpoints.cs): without a factor, recovery codes
            // guard nothing, and would be a way in once a factor came back.
            await ((IUserTwoFactorRecoveryCodeStore<User>)store).ReplaceCodesAsync(user, [], CancellationToken.None);
        }
        notices.PasskeyRemoved(user, passkey.Name ?? "");
        audit.Add(http, AuditEvents.PasskeyRemoved, AuditEvents.Success, userId, sessionId);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        // Gatehouse:Mfa:Required asks again at once on this instance (others within a minute).
        enrollment.Forget(userId);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> ReauthenticateOptionsAsync(
        ClaimsPrincipal principal, UserManager<User> users, PasskeyCeremonies ceremonies, RelyingParty rp, BruteForceLimits limits, HttpContext http)
    {
        var (userId, sessionId) = principal.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.Passkey, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (!rp.Available)
        {
            return Problems.Unavailable(AuthErrors.PasskeysUnavailable);
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        if ((await users.GetPasskeysAsync(user)).Count == 0)
        {
            return Problems.NotFound(AuthErrors.PasskeyNotFound);
        }
        var ceremony = await ceremonies.BeginAssertionAsync(user, requireVerification: false, sessionId, http);
        return TypedResults.Ok(new PasskeyOptionsResponse(ceremony.CeremonyId, ceremony.Options));
    }

    internal static async Task<Results<Ok<PasskeyOptionsResponse>, ProblemHttpResult>> LoginOptionsAsync(
        PasskeyCeremonies ceremonies, PendingSignIns pendingSignIns, RelyingParty rp, BruteForceLimits limits, HttpContext http)
    {
        if (!rp.Available)
        {
            return Problems.Unavailable(AuthErrors.PasskeysUnavailable);
        }
        // With a pending sign-in (a right password), the passkey is its second factor: that user's
        // passkeys, user verification preferred. Else a passwordless sign-in by whichever discoverable
        // passkey the browser offers, which must verify its user.
        if (await pendingSignIns.FindAsync(http) is { } pending)
        {
            if (await limits.TryAcquireForUserAsync(LimitedAction.Passkey, pending.User.Id.ToString(), http) is { } limited)
            {
                return limited;
            }
            var second = await ceremonies.BeginAssertionAsync(pending.User, requireVerification: false, sessionId: null, http);
            return TypedResults.Ok(new PasskeyOptionsResponse(second.CeremonyId, second.Options));
        }
        var ceremony = await ceremonies.BeginAssertionAsync(null, requireVerification: true, sessionId: null, http);
        return TypedResults.Ok(new PasskeyOptionsResponse(ceremony.CeremonyId, ceremony.Options));
    }

    internal static async Task<Results<Ok<LoginResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        PasskeyLoginRequest? request,
        PasskeyCeremonies ceremonies,
        PendingSignIns pendingSignIns,
        SignIns signIns,
        KnownDevices devices,
        FailedSignIns failures,
        BruteForceLimits limits,
        AuditLog audit,
        IOptions<AccountOptions> accounts,
        HttpContext http)
    {
        if (request?.Credential is not { ValueKind: JsonValueKind.Object } credential)
        {
            return Problems.Validation([AuthErrors.PasskeyCredentialRequired]);
        }
        if (await ceremonies.TakeAssertionAsync(request.CeremonyId, sessionId: null) is not { } ceremony)
        {
            return Problems.BadRequest(AuthErrors.CeremonyInvalid);
        }
        var pending = await pendingSignIns.FindAsync(http);
        // Per account where one is known before the answer is checked (a pending sign-in, or a ceremony
        // made for one user); a discoverable one names its user only by a verified answer, below.
        if ((ceremony.UserId ?? pending?.User.Id) is { } knownUser
            && await limits.TryAcquireForUserAsync(LimitedAction.Passkey, knownUser.ToString(), http) is { } limited)
        {
            return limited;
        }
        // A pending sign-in of the user the ceremony was made for (or of anyone, for a discoverable one)
        // already has its password: the passkey is its second factor, with or without user verification.
        // Otherwise the passkey is the whole sign-in, which Identity refuses without user verification.
        var asSecondFactor = pending is not null && (ceremony.UserId is null || ceremony.UserId == pending.User.Id);
        var json = credential.GetRawText();
        var result = await ceremonies.VerifyAsync(ceremony, json, requireVerification: !asSecondFactor, http);
        if (!result.Succeeded)
        {
            // Audited and rate limited, but not counted toward the password lockout: a wrong answer is a
            // broken or foreign authenticator's signature, not a guess; nothing about a password or code
            // can be learned by trying, so counting it would only let anyone lock an owner out.
            await audit.WriteAsync(http, AuditEvents.PasskeySignIn, AuthErrors.PasskeyFailed.Code, ceremony.UserId ?? pending?.User.Id);
            return Problems.Unauthorized(AuthErrors.PasskeyFailed);
        }
        var user = result.User;
        if (ceremony.UserId is null && pending?.User.Id != user.Id
            && await limits.TryAcquireForUserAsync(LimitedAction.Passkey, user.Id.ToString(), http) is { } limitedUser)
        {
            return limitedUser;
        }

        var method = PasskeyCeremonies.MethodOf(result.Passkey);
        if (asSecondFactor && pending!.User.Id == user.Id)
        {
            // PendingSignIns.FindAsync already refused a locked account or device; a hold put on the
            // account since the password (disabled, a new password owed) is told, as at the password.
            if (AccountStanding.Refusal(pending.User) is { } hold)
            {
                pendingSignIns.Forget(http);
                await audit.WriteAsync(http, AuditEvents.SecondFactor, hold.Code, user.Id);
                return Problems.Forbidden(hold);
            }
            await ceremonies.RecordUseAsync(user, result.Passkey);
            audit.Add(http, AuditEvents.SecondFactor, AuditEvents.Success, user.Id);
            if (!await pendingSignIns.CompleteAsync(pending, method, http))
            {
                await audit.WriteAsync(http, AuditEvents.PasskeySignIn, AuthErrors.PendingSignInInvalid.Code, user.Id);
                return Problems.Unauthorized(AuthErrors.PasskeyFailed);
            }
            return TypedResults.Ok(new LoginResponse(true, "User logged in"));
        }

        // Another account's passkey answered a discoverable ceremony while this browser held a pending
        // sign-in: it never completes that one; it may only be a sign-in of its own, which needs user
        // verification, checked now (Identity's check is pure, so verifying again changes nothing).
        if (asSecondFactor && !(await ceremonies.VerifyAsync(ceremony, json, requireVerification: true, http)).Succeeded)
        {
            await audit.WriteAsync(http, AuditEvents.PasskeySignIn, "user_not_verified", user.Id);
            return Problems.Unauthorized(AuthErrors.PasskeyFailed);
        }
        var device = await devices.FindAsync(http.Request, user.NormalizedUserName!);
        if (failures.IsLockedOut(user, device))
        {
            await audit.WriteAsync(http, AuditEvents.PasskeySignIn, device is null ? "locked_out" : "device_locked_out", user.Id);
            return Problems.Unauthorized(AuthErrors.PasskeyFailed);
        }
        if (accounts.Value.SignInRefusal(user) is { } refusal)
        {
            await audit.WriteAsync(http, AuditEvents.PasskeySignIn, refusal.Code, user.Id);
            return Problems.Forbidden(refusal);
        }
        await ceremonies.RecordUseAsync(user, result.Passkey);
        // Possession of the key and the user's PIN or biometric on it: two factors in one (amr mfa).
        // passkey_sign_in records the passkey's verification; SignIns' sign_in row says whether a session
        // followed (not when the password changed meanwhile). Saved in its commit.
        audit.Add(http, AuditEvents.PasskeySignIn, AuditEvents.Success, user.Id);
        if (!await signIns.StartAsync(user, AuthMethods.Join([method, AuthMethods.MultiFactor]), device, http))
        {
            return Problems.Unauthorized(AuthErrors.PasskeyFailed);
        }
        return TypedResults.Ok(new LoginResponse(true, "User logged in"));
    }

    /// <summary>A passkey's name: 1 to 64 characters, none of them a control character.</summary>
    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= MaxNameLength && !name.Any(char.IsControl);

    /// <summary>A credential id from the path (base64url, at most 1023 bytes as WebAuthn allows), or null.</summary>
    private static byte[]? CredentialId(string id)
    {
        if (id.Length is 0 or > 1364 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }
        try
        {
            return WebEncoders.Base64UrlDecode(id);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
