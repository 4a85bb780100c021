using System.Globalization;
using System.Security.Claims;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Tokens;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Security;

/// <summary>Step-up settings (<c>Gatehouse:Security</c>).</summary>
public sealed class SecurityOptions
{
    public const string Section = "Gatehouse:Security";

    /// <summary>
    /// How recently the user must have proved who they are before a sensitive change: a password or
    /// address change, turning a second factor off or changing it, new recovery codes, adding or
    /// deleting a passkey, signing out everywhere. Older, and the API answers 403
    /// <c>reauthentication_required</c> until <c>POST /auth/reauthenticate</c>.
    /// </summary>
    public TimeSpan ReauthWindow { get; set; } = TimeSpan.FromMinutes(10);
}

internal sealed class SecurityOptionsValidator : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options) =>
        options.ReauthWindow < TimeSpan.FromMinutes(1) || options.ReauthWindow > TimeSpan.FromHours(24)
            ? ValidateOptionsResult.Fail($"Gatehouse:Security:ReauthWindow is {options.ReauthWindow}; use 00:01:00 to 24:00:00 (default 00:10:00).")
            : ValidateOptionsResult.Success;
}

/// <summary>
/// Step-up: how long ago the request's session last proved who the user is, from the access token's
/// <c>auth_time</c> (signed, and renewed in a new token by each re-authentication). A token without
/// one (minted before step-up existed) counts as long ago.
/// </summary>
public static class RecentAuthentication
{
    /// <summary>When the session behind the request's token last authenticated, if the token says.</summary>
    public static DateTimeOffset? AuthenticatedAt(this ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(AccessTokenIssuer.AuthTimeClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>Whether the request's session authenticated within the window.</summary>
    public static bool IsRecent(ClaimsPrincipal principal, TimeProvider time, SecurityOptions options) =>
        principal.AuthenticatedAt() is { } at && time.GetUtcNow() - at <= options.ReauthWindow;

    /// <summary>The 403 a sensitive endpoint answers when the authentication is not recent enough.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Required() => Problems.Forbidden(AuthErrors.ReauthenticationRequired);

    /// <summary>
    /// Requires an authentication within <c>Gatehouse:Security:ReauthWindow</c> (put it on endpoints
    /// that already require a signed-in user); otherwise 403 problem <c>reauthentication_required</c>.
    /// </summary>
    public static RouteHandlerBuilder RequireRecentAuthentication(this RouteHandlerBuilder builder) => builder
        .AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var options = http.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
            var time = http.RequestServices.GetRequiredService<TimeProvider>();
            return IsRecent(http.User, time, options) ? await next(context) : Required();
        })
        .ProducesProblem(StatusCodes.Status403Forbidden);

    public static IServiceCollection AddRecentAuthentication(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecurityOptions>, SecurityOptionsValidator>();
        return services;
    }
}
