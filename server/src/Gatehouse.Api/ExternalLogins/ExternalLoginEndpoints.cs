using System.Text.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Security;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.ExternalLogins;

/// <summary>
/// Sign-in with another identity provider: the provider list, the start and callback of the flow, the
/// pending link, and the signed-in user's linked logins. See docs/external-logins.md.
/// </summary>
public static partial class ExternalLoginEndpoints
{
    public static RouteGroupBuilder MapExternalLogins(this IEndpointRouteBuilder routes)
    {
        // The log-in page's code step after an external sign-in, which arrives by redirect, not by an answer.
        routes.MapGet("/auth/login/mfa", PendingSecondFactorAsync)
            .WithTags("Auth")
            .LimitPerClient(LimitedAction.ExternalLogin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The second factors the pending sign-in (mfa_pending cookie) can use; 401 when there is none");

        var group = routes.MapGroup("/auth/external").WithTags("External logins");
        group.MapGet("", List)
            .WithSummary("The configured identity providers, for the log-in page's \"Continue with …\" buttons");
        group.MapGet("/{id}/start", StartAsync)
            .LimitPerClient(LimitedAction.ExternalLogin)
            .Produces(StatusCodes.Status302Found)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Begin a sign-in (or, with link=, a link) at the provider: 302 there, with PKCE, state and nonce");
        group.MapGet("/{id}/callback", CallbackAsync)
            .LimitPerClient(LimitedAction.ExternalLogin)
            .Produces(StatusCodes.Status302Found)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Where the provider returns: 302 to the web app, signed in, to its second-factor step, to its link page, or to its error page");
        group.MapGet("/pending-link", PendingLinkAsync)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The pending link this browser holds (external_link cookie): provider and the account's masked address");
        group.MapPost("/pending-link", CompletePendingLinkAsync)
            .RequireAuthorization()
            .LimitPerClient(LimitedAction.ExternalLogin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Link the pending login to the signed-in account, only if it is the account the provider's verified address matched");
        group.MapDelete("/pending-link", CancelPendingLinkAsync)
            .WithSummary("Forget the pending link");
        group.MapGet("/logins", LoginsAsync)
            .RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("The logins linked to the signed-in account, and its other ways in");
        group.MapPost("/{id}/link", LinkAsync)
            .RequireAuthorization()
            .LimitPerClient(LimitedAction.ExternalLogin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Permission to link a provider (single use, this session, 10 minutes): the API path to navigate to");
        group.MapDelete("/logins/{provider}", UnlinkAsync)
            .RequireAuthorization()
            .LimitPerClient(LimitedAction.ExternalLogin)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Unlink a provider; never the account's last way in");
        return group;
    }

    /// <summary>Like /auth/config: settings only, no database, cacheable for a minute.</summary>
    internal static Ok<ExternalProvidersResponse> List(IOptions<ExternalLoginSettings> settings, HttpResponse response)
    {
        response.Headers.CacheControl = "public, max-age=60";
        return TypedResults.Ok(new ExternalProvidersResponse(settings.Value.Providers
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new ExternalProviderView(p.Key, p.Value.Name(p.Key), p.Value.IsGitHub ? ExternalProviderSettings.GitHub : ExternalProviderSettings.Oidc))
            .ToList()));
    }

    internal static async Task<Results<EmptyHttpResult, RedirectHttpResult, ProblemHttpResult>> StartAsync(
        string id, string? next, string? link, HttpContext http, IOptions<ExternalLoginSettings> settings, ExternalLoginUrls urls,
        AuthChallenges challenges, ExternalSignIns signIns, TimeProvider time, ILoggerFactory loggers)
    {
        if (settings.Value.Find(id) is null)
        {
            return Problems.NotFound(AuthErrors.ExternalProviderNotFound);
        }
        var (web, redirectUri) = urls.Decide(http.Request, id);
        var properties = new AuthenticationProperties();
        properties.Items[AttemptItems.Web] = web;
        properties.Items[AttemptItems.RedirectUri] = redirectUri;
        properties.Items[AttemptItems.ExpiresAt] = (time.GetUtcNow() + settings.Value.AttemptLifetime).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (link is not null)
        {
            // A link intent names its provider and its next page; checked here and spent at the callback.
            var intent = await challenges.FindAsync(AuthChallengeKinds.ExternalLinkIntent, link, CancellationToken.None);
            if (ReadState<LinkIntentState>(intent?.State) is not { } state || state.Provider != id)
            {
                await signIns.FailAsync(http, id, properties, ExternalSignIns.Reasons.Expired, "link_intent_invalid");
                return TypedResults.Empty;
            }
            properties.Items[AttemptItems.Link] = link;
            next = state.Next;
        }
        properties.Items[AttemptItems.Next] = ExternalLoginUrls.SafeNext(next);
        try
        {
            await http.ChallengeAsync(id, properties);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && !http.Response.HasStarted && ExternalSignIns.IsUnreachable(exception))
        {
            // The discovery document could not be read: the provider is down or unreachable.
            LogStartFailed(loggers.CreateLogger(typeof(ExternalLoginEndpoints)), id, exception.GetType().Name);
            http.Response.Clear();
            await signIns.FailAsync(http, id, properties, ExternalSignIns.Reasons.Unavailable, "provider_unavailable");
        }
        return TypedResults.Empty;
    }

    /// <summary>
    /// Hands the request to the provider's handler (which answers only here, see ExternalOidcHandler):
    /// it checks state, correlation, nonce and PKCE, redeems the code, and ends in ExternalSignIns.
    /// </summary>
    internal static async Task<Results<EmptyHttpResult, ProblemHttpResult>> CallbackAsync(
        string id, HttpContext http, IOptions<ExternalLoginSettings> settings, IAuthenticationHandlerProvider handlers, ExternalSignIns signIns)
    {
        if (settings.Value.Find(id) is null)
        {
            return Problems.NotFound(AuthErrors.ExternalProviderNotFound);
        }
        http.Items[AttemptItems.CallbackMarker] = id;
        if (await handlers.GetHandlerAsync(http, id) is not IAuthenticationRequestHandler handler || !await handler.HandleRequestAsync())
        {
            await signIns.FailAsync(http, id, null, ExternalSignIns.Reasons.InvalidRequest, "callback_not_handled");
        }
        return TypedResults.Empty;
    }

    internal static async Task<Results<Ok<SecondFactorRequiredResponse>, ProblemHttpResult>> PendingSecondFactorAsync(PendingSignIns pending, HttpContext http)
    {
        if (await pending.FindAsync(http) is not { } found)
        {
            return Problems.Unauthorized(AuthErrors.PendingSignInInvalid);
        }
        return TypedResults.Ok(new SecondFactorRequiredResponse(true, await pending.AvailableAsync(found.User)));
    }

    internal static async Task<Results<Ok<PendingLinkResponse>, ProblemHttpResult>> PendingLinkAsync(
        HttpContext http, AuthChallenges challenges, AuthCookies cookies, IOptions<ExternalLoginSettings> settings)
    {
        if (await FindPendingLinkAsync(http, challenges, cookies) is not { State: { } state })
        {
            return Problems.NotFound(AuthErrors.LinkPendingInvalid);
        }
        var provider = settings.Value.Find(state.Provider);
        return TypedResults.Ok(new PendingLinkResponse(state.Provider, provider?.Name(state.Provider) ?? state.Provider, Mask(state.Email)));
    }

    internal static async Task<Results<Ok<LinkedResponse>, ProblemHttpResult>> CompletePendingLinkAsync(
        HttpContext http, AuthChallenges challenges, AuthCookies cookies, UserManager<User> users, AuditLog audit, GatehouseDbContext db)
    {
        var (userId, sessionId) = http.User.Session();
        if (await FindPendingLinkAsync(http, challenges, cookies) is not { Challenge: { UserId: { } matched } challenge, State: { } state })
        {
            return Problems.NotFound(AuthErrors.LinkPendingInvalid);
        }
        // Only to the account the provider's verified address matched: signing in to any other account
        // (say, an attacker's own) must not collect someone's provider login.
        if (matched != userId)
        {
            await audit.WriteAsync(http, AuditEvents.ExternalLoginLinked, AuthErrors.LinkAccountMismatch.Code, userId, sessionId);
            return Problems.Forbidden(AuthErrors.LinkAccountMismatch);
        }
        if (!await challenges.ConsumeAsync(challenge, CancellationToken.None) || await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            cookies.DeleteBesideRefresh(http.Response, ExternalSignIns.PendingLinkCookie);
            return Problems.NotFound(AuthErrors.LinkPendingInvalid);
        }
        cookies.DeleteBesideRefresh(http.Response, ExternalSignIns.PendingLinkCookie);
        if (await users.FindByLoginAsync(state.Provider, state.Key) is { } owner)
        {
            return owner.Id == user.Id ? TypedResults.Ok(new LinkedResponse(state.Provider)) : Problems.Conflict(AuthErrors.ExternalLoginExists);
        }
        if (!(await users.AddLoginAsync(user, new UserLoginInfo(state.Provider, state.Key, state.Label))).Succeeded)
        {
            return Problems.Conflict(AuthErrors.ExternalLoginExists);
        }
        audit.Add(http, AuditEvents.ExternalLoginLinked, AuditEvents.Success, user.Id, sessionId, detail: state.Provider);
        await db.SaveChangesAsync(CancellationToken.None);
        return TypedResults.Ok(new LinkedResponse(state.Provider));
    }

    internal static async Task<NoContent> CancelPendingLinkAsync(HttpContext http, AuthChallenges challenges, AuthCookies cookies)
    {
        if (await FindPendingLinkAsync(http, challenges, cookies) is { } pending)
        {
            await challenges.ConsumeAsync(pending.Challenge, CancellationToken.None);
        }
        cookies.DeleteBesideRefresh(http.Response, ExternalSignIns.PendingLinkCookie);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<LinkedLoginsResponse>, ProblemHttpResult>> LoginsAsync(
        HttpContext http, UserManager<User> users, GatehouseDbContext db, IOptions<ExternalLoginSettings> settings)
    {
        if (await users.FindByIdAsync(http.User.Session().UserId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        var logins = await users.GetLoginsAsync(user);
        var passkeys = await db.UserPasskeys.CountAsync(p => p.UserId == user.Id);
        return TypedResults.Ok(new LinkedLoginsResponse(
            logins.OrderBy(l => l.LoginProvider, StringComparer.Ordinal)
                .Select(l => new LinkedLoginView(l.LoginProvider, settings.Value.Find(l.LoginProvider)?.Name(l.LoginProvider) ?? l.LoginProvider, l.ProviderDisplayName ?? ""))
                .ToList(),
            user.PasswordHash is not null,
            passkeys));
    }

    internal static async Task<Results<Ok<LinkStartResponse>, ProblemHttpResult>> LinkAsync(
        string id, LinkRequest? request, HttpContext http, IOptions<ExternalLoginSettings> settings, UserManager<User> users,
        AuthChallenges challenges, AuditLog audit, GatehouseDbContext db, BruteForceLimits limits)
    {
        if (settings.Value.Find(id) is null)
        {
            return Problems.NotFound(AuthErrors.ExternalProviderNotFound);
        }
        var (userId, sessionId) = http.User.Session();
        if (await limits.TryAcquireForUserAsync(LimitedAction.ExternalLogin, userId.ToString(), http) is { } limited)
        {
            return limited;
        }
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        if ((await users.GetLoginsAsync(user)).Any(l => l.LoginProvider == id))
        {
            return Problems.Conflict(AuthErrors.ExternalLoginExists);
        }
        var state = JsonSerializer.Serialize(new LinkIntentState(id, ExternalLoginUrls.SafeNext(request?.Next)));
        var value = challenges.Issue(AuthChallengeKinds.ExternalLinkIntent,
            new AuthChallenges.Details(UserId: user.Id, SessionId: sessionId, SecurityStamp: user.SecurityStamp, State: state),
            settings.Value.AttemptLifetime);
        await db.SaveChangesAsync(CancellationToken.None);
        return TypedResults.Ok(new LinkStartResponse($"/auth/external/{id}/start?link={Uri.EscapeDataString(value)}"));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> UnlinkAsync(
        string provider, HttpContext http, UserManager<User> users, GatehouseDbContext db, AuditLog audit)
    {
        var (userId, sessionId) = http.User.Session();
        if (await users.FindByIdAsync(userId.ToString()) is not { } user)
        {
            return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        var logins = await users.GetLoginsAsync(user);
        if (logins.FirstOrDefault(l => l.LoginProvider == provider) is not { } login)
        {
            return Problems.NotFound(AuthErrors.ExternalLoginNotFound);
        }
        // The last way in can never go: no password, no passkey, no other provider.
        var otherWays = user.PasswordHash is not null || logins.Count > 1 || await db.UserPasskeys.AnyAsync(p => p.UserId == user.Id);
        if (!otherWays)
        {
            await audit.WriteAsync(http, AuditEvents.ExternalLoginUnlinked, AuthErrors.LastSignInMethod.Code, user.Id, sessionId);
            return Problems.Conflict(AuthErrors.LastSignInMethod);
        }
        // Identity renews the security stamp in the same save, and its concurrency stamp makes a racing
        // unlink of the other last login fail rather than leave the account with no way in.
        if (!(await users.RemoveLoginAsync(user, login.LoginProvider, login.ProviderKey)).Succeeded)
        {
            return Problems.Conflict(AuthErrors.LastSignInMethod);
        }
        await db.UserTokens.Where(t => t.UserId == user.Id && t.LoginProvider == provider).ExecuteDeleteAsync(CancellationToken.None);
        audit.Add(http, AuditEvents.ExternalLoginUnlinked, AuditEvents.Success, user.Id, sessionId, detail: provider);
        await db.SaveChangesAsync(CancellationToken.None);
        return TypedResults.NoContent();
    }

    private sealed record PendingLink(AuthChallenge Challenge, PendingLinkState? State);

    private static async Task<PendingLink?> FindPendingLinkAsync(HttpContext http, AuthChallenges challenges, AuthCookies cookies)
    {
        var value = AuthCookies.Find(http.Request, cookies.NameBesideRefresh(ExternalSignIns.PendingLinkCookie));
        return await challenges.FindAsync(AuthChallengeKinds.ExternalLinkPending, value, CancellationToken.None) is { } challenge
            ? new PendingLink(challenge, ReadState<PendingLinkState>(challenge.State))
            : null;
    }

    private static T? ReadState<T>(string? json) where T : class
    {
        try
        {
            return json is null ? null : JsonSerializer.Deserialize<T>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><c>a***@example.com</c>: enough for the owner to recognise, not to learn someone's address.</summary>
    internal static string Mask(string email)
    {
        var at = email.LastIndexOf('@');
        return at <= 0 ? "***" : $"{email[0]}***{email[at..]}";
    }

    [LoggerMessage(LogLevel.Warning, "External sign-in with {Provider} could not start: {Failure}")]
    private static partial void LogStartFailed(ILogger logger, string provider, string failure);
}
