using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using ResourceServer.Gatehouse;

namespace ResourceServer.Reports;

/// <summary>"Your own" API: routes that only a user signed in with Gatehouse may call.</summary>
public static class ReportsApi
{
    public const string ReadAllPolicy = "reports:read-all";

    /// <summary>Routes that need a sign-in with a second factor: the token's amr includes "mfa".</summary>
    public const string MultiFactorPolicy = "mfa";

    /// <summary>Who is calling, as the token says: the user's id, name, session and roles.</summary>
    public sealed record Caller(string UserId, string? Username, string SessionId, IReadOnlyList<string> Roles);

    public sealed record Report(string Title, string Owner);

    public sealed record NewReport(string Title);

    public static RouteGroupBuilder MapReports(this IEndpointRouteBuilder routes)
    {
        // Every route of the group needs a valid, unrevoked Gatehouse token.
        var group = routes.MapGroup("/api").RequireAuthorization();

        group.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(CallerOf(user)));

        group.MapGet("/reports/mine", (ClaimsPrincipal user) =>
            TypedResults.Ok(new[] { new Report("Quarterly numbers", user.Identity?.Name ?? CallerOf(user).UserId) }));

        // A state-changing call: the token must come in the Authorization header (see GatehouseAuthentication).
        group.MapPost("/reports", Results<Created<Report>, ValidationProblem> (NewReport report, ClaimsPrincipal user) =>
            string.IsNullOrWhiteSpace(report.Title) || report.Title.Length > 200
                ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["title"] = ["A title of 1 to 200 characters is required."] })
                : TypedResults.Created("/api/reports/mine", new Report(report.Title, user.Identity?.Name ?? CallerOf(user).UserId)));

        // Only for callers with the admin role; everyone else gets 403.
        group.MapGet("/reports", () => TypedResults.Ok(new[] { new Report("Everyone's numbers", "admin") }))
            .RequireAuthorization(ReadAllPolicy);

        // Only after a sign-in with a second factor (a password and a code, or a passkey); 403 after a password alone.
        group.MapGet("/reports/export", (ClaimsPrincipal user) =>
            TypedResults.Ok(new[] { new Report("Quarterly numbers (export)", user.Identity?.Name ?? CallerOf(user).UserId) }))
            .RequireAuthorization(MultiFactorPolicy);

        return group;
    }

    private static Caller CallerOf(ClaimsPrincipal user) => new(
        user.FindFirstValue(GatehouseAuthentication.UserIdClaim)!,
        user.FindFirstValue(GatehouseAuthentication.UsernameClaim),
        user.FindFirstValue(GatehouseAuthentication.SessionClaim)!,
        user.FindAll(GatehouseAuthentication.RoleClaim).Select(claim => claim.Value).ToList());
}
