using System.Security.Claims;
using System.Text.Json;
using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gatehouse.Api.ExternalLogins;

/// <summary>Who the provider says the person is, in the terms the account decision needs.</summary>
public sealed record ExternalIdentity(string Provider, string Key, string? Email, bool EmailVerified, string? PreferredUsername, string Label, bool ProviderMfa);

/// <summary>A pending link's state (in its AuthChallenge): the login to add once the matched account signs in.</summary>
internal sealed record PendingLinkState(string Provider, string Key, string Label, string Email);

/// <summary>A link intent's state: the provider it is for and where to go afterwards.</summary>
internal sealed record LinkIntentState(string Provider, string Next);

/// <summary>
/// The end of every external sign-in, run inside the provider's callback (the handlers' TicketReceived),
/// so nothing of the provider's outlives that request: decides the account, then goes through the same
/// gate as every other sign-in (Mfa/PendingSignIns, Auth/SignIns), and redirects to the web app.
/// Which account: an existing link is that account; a verified address that is an existing account's
/// is never joined silently (an attacker who controls some provider, or an address there the provider
/// "verified", would otherwise own the account): the person signs in to it first, then the link is
/// made; anything else is a new account.
/// </summary>
public sealed partial class ExternalSignIns(
    GatehouseDbContext db,
    UserManager<User> users,
    AuthChallenges challenges,
    AuthCookies cookies,
    SessionStore sessions,
    SignIns signIns,
    PendingSignIns pendingSignIns,
    KnownDevices devices,
    FailedSignIns failures,
    AuditLog audit,
    IOptions<AccountOptions> accounts,
    IOptions<ExternalLoginSettings> settings,
    ExternalLoginUrls urls,
    TimeProvider time,
    ILogger<ExternalSignIns> logger)
{
    private ILogger Logger => logger;

    public const string NoSignInScheme = "gatehouse-external-unused";
    public const string PendingLinkCookie = "external_link";

    /// <summary>Why an external sign-in failed, as the error page's <c>reason</c> names it.</summary>
    public static class Reasons
    {
        public const string Denied = "denied";
        public const string Unavailable = "unavailable";
        public const string InvalidRequest = "invalid_request";
        public const string Expired = "expired";
        public const string EmailUnverified = "email_unverified";
        public const string Disabled = "disabled";
        public const string Failed = "failed";
    }

    internal static Task TicketReceivedAsync(TicketReceivedContext context) =>
        context.HttpContext.RequestServices.GetRequiredService<ExternalSignIns>().FinishAsync(context);

    internal static Task AccessDeniedAsync(AccessDeniedContext context)
    {
        var self = context.HttpContext.RequestServices.GetRequiredService<ExternalSignIns>();
        context.HandleResponse();
        return self.FailAsync(context.HttpContext, context.Scheme.Name, context.Properties, Reasons.Denied, Reasons.Denied);
    }

    internal static Task RemoteFailureAsync(RemoteFailureContext context)
    {
        var self = context.HttpContext.RequestServices.GetRequiredService<ExternalSignIns>();
        var (reason, outcome) = Classify(context.Failure);
        // The type only: a provider's error text could carry what it was sent.
        LogRemoteFailure(self.Logger, context.Scheme.Name, context.Failure?.GetType().Name ?? "none", outcome);
        context.HandleResponse();
        return self.FailAsync(context.HttpContext, context.Scheme.Name, context.Properties, reason, outcome);
    }

    /// <summary>
    /// What went wrong, from the handler's failure: the page's reason and a finer audit outcome. The
    /// handlers say "correlation failed" when the attempt's cookie is gone (it lives as long as the
    /// attempt may: expired, or another browser) and name bad state and nonce by message or type.
    /// </summary>
    internal static (string Reason, string Outcome) Classify(Exception? failure)
    {
        var message = failure?.Message ?? "";
        return failure switch
        {
            _ when message.Contains("Correlation failed", StringComparison.Ordinal) => (Reasons.Expired, "correlation_failed"),
            OpenIdConnectProtocolInvalidNonceException => (Reasons.InvalidRequest, "invalid_nonce"),
            _ when message.Contains("state", StringComparison.OrdinalIgnoreCase) && !message.Contains("error", StringComparison.OrdinalIgnoreCase)
                => (Reasons.InvalidRequest, "invalid_state"),
            _ when IsUnreachable(failure) => (Reasons.Unavailable, "provider_unavailable"),
            _ => (Reasons.Failed, "provider_error"),
        };
    }

    /// <summary>The provider (discovery, token or API endpoint) could not be reached or did not answer in time.</summary>
    internal static bool IsUnreachable(Exception? failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or TaskCanceledException or TimeoutException
                || e.Message.Contains("IDX20803", StringComparison.Ordinal)) // IdentityModel: unable to obtain configuration
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Audits the failure and sends the browser to the error page of the web app it came from.</summary>
    internal async Task FailAsync(HttpContext http, string provider, AuthenticationProperties? properties, string reason, string outcome, Guid? userId = null)
    {
        http.Response.Redirect(ExternalLoginUrls.ErrorPage(WebOf(properties), reason, provider));
        audit.Add(http, AuditEvents.ExternalSignInFailed, outcome, userId, detail: provider);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private string WebOf(AuthenticationProperties? properties) => AttemptItems.Get(properties, AttemptItems.Web) ?? urls.DefaultWeb;

    private async Task FinishAsync(TicketReceivedContext context)
    {
        context.HandleResponse();
        var http = context.HttpContext;
        var provider = context.Scheme.Name;
        var properties = context.Properties;
        try
        {
            var url = await DecideAsync(http, provider, context.Principal, properties);
            if (url is not null)
            {
                http.Response.Redirect(url);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException && !http.Response.HasStarted)
        {
            // A database that failed mid-way: no session was made (each step commits on its own), and the
            // person sees the error page rather than a 500.
            LogFinishFailed(logger, provider, exception.GetType().Name);
            db.ChangeTracker.Clear();
            http.Response.Clear();
            http.Response.Redirect(ExternalLoginUrls.ErrorPage(WebOf(properties), Reasons.Failed, provider));
        }
    }

    /// <summary>The redirect that ends the callback, or null when <see cref="FailAsync"/> already set one.</summary>
    private async Task<string?> DecideAsync(HttpContext http, string provider, ClaimsPrincipal? principal, AuthenticationProperties? properties)
    {
        var web = WebOf(properties);
        var next = ExternalLoginUrls.SafeNext(AttemptItems.Get(properties, AttemptItems.Next));
        var providerSettings = settings.Value.Find(provider)!;
        // The attempt's own deadline, on the server's clock (the cookies' expiry is the browser's to keep).
        if (!long.TryParse(AttemptItems.Get(properties, AttemptItems.ExpiresAt), out var expires) || time.GetUtcNow().ToUnixTimeSeconds() >= expires)
        {
            await FailAsync(http, provider, properties, Reasons.Expired, "attempt_expired");
            return null;
        }
        if (Read(provider, principal, properties) is not { } identity)
        {
            await FailAsync(http, provider, properties, Reasons.Failed, "no_subject");
            return null;
        }
        if (AttemptItems.Get(properties, AttemptItems.Link) is { } link)
        {
            return await LinkAsync(http, identity, link, properties!, web, next);
        }

        var user = await users.FindByLoginAsync(provider, identity.Key);
        if (user is null)
        {
            // Only an address the provider verified may point at an account, and even then only to ask.
            if (identity is { EmailVerified: true, Email: { } email } && await users.FindByEmailAsync(email) is { } owner)
            {
                return await BeginPendingLinkAsync(http, identity, owner, web, next);
            }
            // Sign-up here requires an address (Gatehouse:Accounts:RequireEmail): without one the provider
            // verified there is none to give the account, and an unverified one is never taken on trust.
            if (identity is not { EmailVerified: true, Email: not null } && accounts.Value.RequireEmail)
            {
                await FailAsync(http, provider, properties, Reasons.EmailUnverified, "email_unverified");
                return null;
            }
            user = await CreateAsync(http, identity);
            if (user is null)
            {
                await FailAsync(http, provider, properties, Reasons.Failed, "account_conflict");
                return null;
            }
        }
        return await SignInAsync(http, user, identity, providerSettings, properties!, web, next);
    }

    /// <summary>The claims the account decision needs; null without a subject.</summary>
    internal static ExternalIdentity? Read(string provider, ClaimsPrincipal? principal, AuthenticationProperties? properties)
    {
        if (principal?.FindFirstValue(ExternalClaims.Subject) is not { Length: > 0 and <= 256 } key)
        {
            return null;
        }
        var email = principal.FindFirstValue(ExternalClaims.Email) is { } e && EmailRules.Check(e).Any() is false ? e : null;
        var verified = email is not null && string.Equals(principal.FindFirstValue(ExternalClaims.EmailVerified), "true", StringComparison.OrdinalIgnoreCase);
        var preferred = principal.FindFirstValue(ExternalClaims.PreferredUsername);
        var label = email ?? preferred ?? principal.FindFirstValue(ExternalClaims.Name) ?? key;
        return new ExternalIdentity(provider, key, email, verified, preferred, label.Length > 128 ? label[..128] : label,
            AttemptItems.Get(properties, AttemptItems.ProviderMfa) == "true");
    }

    private async Task<string?> SignInAsync(HttpContext http, User user, ExternalIdentity identity, ExternalProviderSettings provider, AuthenticationProperties properties, string web, string next)
    {
        // The rules every sign-in path applies: disabled, a reset required, an unverified address, locked.
        var device = await devices.FindAsync(http.Request, user.NormalizedUserName!);
        var standing = accounts.Value.SignInRefusal(user);
        var refusal = standing is not null ? (standing == AuthErrors.EmailUnverified ? Reasons.EmailUnverified : Reasons.Disabled, standing.Code)
            : failures.IsLockedOut(user, device) ? (Reasons.Disabled, device is null ? "locked_out" : "device_locked_out")
            : ((string, string)?)null;
        if (refusal is var (reason, outcome))
        {
            http.Response.Redirect(ExternalLoginUrls.ErrorPage(web, reason, identity.Provider));
            audit.Add(http, AuditEvents.ExternalSignIn, outcome, user.Id, detail: identity.Provider);
            await db.SaveChangesAsync(CancellationToken.None);
            return null;
        }
        await SaveTokensAsync(user, identity.Provider, properties);

        // The provider's "mfa" counts only where the administrator said to trust it.
        var providerMfa = provider.TrustProviderMfa && identity.ProviderMfa;
        if (user.TwoFactorEnabled && !providerMfa)
        {
            audit.Add(http, AuditEvents.ExternalSignIn, "second_factor_required", user.Id, detail: identity.Provider);
            await pendingSignIns.BeginAsync(user, AuthMethods.Federated, http);
            return $"{web}/auth/login?mfa=1&next={Uri.EscapeDataString(next)}";
        }
        var methods = providerMfa ? AuthMethods.Join([AuthMethods.Federated, AuthMethods.MultiFactor]) : AuthMethods.Federated;
        if (!await signIns.StartAsync(user, methods, device, http))
        {
            await FailAsync(http, identity.Provider, properties, Reasons.Failed, "credentials_changed", user.Id);
            return null;
        }
        audit.Add(http, AuditEvents.ExternalSignIn, AuditEvents.Success, user.Id, detail: identity.Provider);
        await db.SaveChangesAsync(CancellationToken.None);
        return web + next;
    }

    private async Task<string> BeginPendingLinkAsync(HttpContext http, ExternalIdentity identity, User owner, string web, string next)
    {
        var lifetime = settings.Value.AttemptLifetime;
        var state = JsonSerializer.Serialize(new PendingLinkState(identity.Provider, identity.Key, identity.Label, identity.Email!));
        // Bound to the account's security stamp: a password change meanwhile voids it.
        var value = challenges.Issue(AuthChallengeKinds.ExternalLinkPending,
            new AuthChallenges.Details(UserId: owner.Id, SecurityStamp: owner.SecurityStamp, State: state), lifetime);
        audit.Add(http, AuditEvents.ExternalLinkPending, AuditEvents.Success, owner.Id, detail: identity.Provider);
        await db.SaveChangesAsync(CancellationToken.None);
        cookies.AppendBesideRefresh(http.Response, PendingLinkCookie, value, time.GetUtcNow() + lifetime);
        return $"{web}/auth/link-account?next={Uri.EscapeDataString(next)}";
    }

    /// <summary>
    /// A signed-in user's link (<c>POST /auth/external/{id}/link</c>): only with the intent it issued, and
    /// only in the browser holding the session that asked, so a link URL sent to someone else links
    /// nothing of theirs to the sender's account.
    /// </summary>
    private async Task<string?> LinkAsync(HttpContext http, ExternalIdentity identity, string link, AuthenticationProperties properties, string web, string next)
    {
        var intent = await challenges.FindAsync(AuthChallengeKinds.ExternalLinkIntent, link, CancellationToken.None);
        var held = await SignIns.HeldSessionAsync(http, sessions, cookies);
        if (intent is not { UserId: { } userId } || held?.SessionId != intent.SessionId || held?.UserId != userId
            || !await challenges.ConsumeAsync(intent, CancellationToken.None)
            || await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            await FailAsync(http, identity.Provider, properties, Reasons.Expired, "link_intent_invalid", intent?.UserId);
            return null;
        }
        if (await users.FindByLoginAsync(identity.Provider, identity.Key) is { } existing)
        {
            if (existing.Id == user.Id)
            {
                return web + next;
            }
            await FailAsync(http, identity.Provider, properties, Reasons.Failed, "login_linked_elsewhere", user.Id);
            return null;
        }
        if (!(await users.AddLoginAsync(user, new UserLoginInfo(identity.Provider, identity.Key, identity.Label))).Succeeded)
        {
            await FailAsync(http, identity.Provider, properties, Reasons.Failed, "link_failed", user.Id);
            return null;
        }
        await SaveTokensAsync(user, identity.Provider, properties);
        audit.Add(http, AuditEvents.ExternalLoginLinked, AuditEvents.Success, user.Id, held.Value.SessionId, detail: identity.Provider);
        await db.SaveChangesAsync(CancellationToken.None);
        return web + next;
    }

    /// <summary>
    /// A new account: the verified address (marked verified) or none, a unique username from the
    /// provider's profile, no password (the provider is its way in), and the login; one commit.
    /// Null when a racing sign-up took the name or address meanwhile.
    /// </summary>
    private async Task<User?> CreateAsync(HttpContext http, ExternalIdentity identity)
    {
        var verified = identity is { EmailVerified: true, Email: not null };
        var user = new User
        {
            UserName = await UniqueUsernameAsync(identity),
            Email = verified ? identity.Email : null,
            EmailConfirmed = verified,
            CreatedAt = time.GetUtcNow(),
        };
        // One transaction: never an account without its login (Identity saves each step on its own).
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        try
        {
            if (!(await users.CreateAsync(user)).Succeeded
                || !(await users.AddLoginAsync(user, new UserLoginInfo(identity.Provider, identity.Key, identity.Label))).Succeeded)
            {
                await transaction.RollbackAsync(CancellationToken.None);
                db.ChangeTracker.Clear();
                return null;
            }
            audit.Add(http, AuditEvents.Register, AuditEvents.Success, user.Id, detail: identity.Provider);
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // A racing sign-in of the same person, or a sign-up that took the name or address meanwhile.
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return null;
        }
        return user;
    }

    /// <summary>
    /// A username valid under <see cref="UsernameRules"/> from the provider's preferred name, else the
    /// address's local part, else "user"; a number or random suffix when it is taken.
    /// </summary>
    private async Task<string> UniqueUsernameAsync(ExternalIdentity identity)
    {
        var stem = new[] { identity.PreferredUsername, identity.Email }
            .Select(Stem).FirstOrDefault(s => s is not null) ?? "user";
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var candidate = attempt == 1 ? stem : $"{stem}-{attempt}";
            if (await users.FindByNameAsync(candidate) is null)
            {
                return candidate;
            }
        }
        return $"{stem}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";
    }

    /// <summary>The allowed characters of the part before any '@', trimmed to 3–48, or null.</summary>
    internal static string? Stem(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        var local = name.Split('@')[0];
        var kept = new string(local.Select(c => UsernameRules.AllowedCharacters.Contains(c, StringComparison.Ordinal) ? c : '-').ToArray()).Trim('-', '.', '_');
        if (kept.Length > 48)
        {
            kept = kept[..48].TrimEnd('-', '.', '_');
        }
        return kept.Length >= UsernameRules.MinLength && kept.Any(char.IsAsciiLetterOrDigit) ? kept : null;
    }

    /// <summary>The provider's tokens, only when its settings ask (SaveTokens); they never reach the browser either way.</summary>
    private async Task SaveTokensAsync(User user, string provider, AuthenticationProperties properties)
    {
        if (settings.Value.Find(provider) is not { SaveTokens: true })
        {
            return;
        }
        foreach (var token in properties.GetTokens())
        {
            await users.SetAuthenticationTokenAsync(user, provider, token.Name, token.Value);
        }
    }

    [LoggerMessage(LogLevel.Warning, "External sign-in with {Provider} failed at the provider's step: {Failure} ({Outcome})")]
    private static partial void LogRemoteFailure(ILogger logger, string provider, string failure, string outcome);

    [LoggerMessage(LogLevel.Error, "External sign-in with {Provider} failed after the provider's step: {Failure}")]
    private static partial void LogFinishFailed(ILogger logger, string provider, string failure);
}
