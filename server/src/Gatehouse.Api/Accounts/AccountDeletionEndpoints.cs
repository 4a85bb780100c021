using System.Security.Claims;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Security;
using Gatehouse.Api.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gatehouse.Api.Accounts;

/// <summary><c>DELETE /auth/account</c>: the signed-in user deletes their own account (see <see cref="AccountDeletion"/>).</summary>
public static class AccountDeletionEndpoints
{
    public static IServiceCollection AddAccountDeletion(this IServiceCollection services) => services.AddScoped<AccountDeletion>();

    public static RouteHandlerBuilder MapAccountDeletion(this IEndpointRouteBuilder routes) =>
        routes.MapDelete("/auth/account", DeleteAsync)
            .WithTags("Account")
            .RequireAuthorization()
            // Rare and final: the password endpoints' limits suit it.
            .LimitPerClient(LimitedAction.Password)
            .RequireRecentAuthentication()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Delete my account and its personal data (needs a recent authentication); ends every session and deletes the cookies. Audit rows stay, with the user id only");

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        ClaimsPrincipal principal, AccountDeletion deletion, AuthCookies cookies, HttpContext http)
    {
        var (userId, _) = principal.Session();
        switch (await deletion.DeleteAsync(userId, actorId: null, http))
        {
            case AccountDeletionOutcome.LastAdmin:
                return Problems.Conflict(AuthErrors.LastAdmin);
            case AccountDeletionOutcome.NotFound:
                cookies.DeleteAll(http.Response);
                return Problems.Unauthorized(AuthErrors.Unauthenticated);
        }
        // Every cookie, the device cookie too: its row is gone, and it named this account.
        cookies.DeleteAll(http.Response);
        cookies.DeleteBesideRefresh(http.Response, KnownDevices.CookieBaseName);
        return TypedResults.NoContent();
    }
}
