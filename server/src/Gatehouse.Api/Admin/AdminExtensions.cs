using Gatehouse.Api.Users;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Admin;

/// <summary>
/// Administration: the admin API under <c>/admin</c>, for users with the <see cref="Roles.Admin"/> role.
/// Each endpoint file adds its routes to <see cref="Group"/>; destructive actions also ask for a recent
/// authentication (<c>.RequireRecentAuthentication()</c>).
/// </summary>
public static class AdminExtensions
{
    /// <summary>The policy that admits the <see cref="Roles.Admin"/> role; the role's own name, as for every role (<see cref="RolePolicies"/>).</summary>
    public const string Policy = Roles.Admin;

    public static IServiceCollection AddAdmin(this IServiceCollection services)
    {
        services.AddSingleton<IAuthorizationPolicyProvider, RolePolicies>();
        services.AddScoped<AdminAuditQuery>();
        return services;
    }

    /// <summary>
    /// The <c>/admin</c> route group: signed in with the admin role (401 signed out, 403 without the
    /// role). Each admin feature maps its endpoints on it here.
    /// </summary>
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/admin").WithTags("Administration").RequireAuthorization(Policy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        group.MapAdminUsers();
        group.MapAdminUserActions();
        group.MapAdminAudit();
        return group;
    }
}

/// <summary>
/// A policy per role: a policy named after a role (e.g. <c>RequireAuthorization("admin")</c>) admits
/// users whose access token carries that role. Other names go to the default provider.
/// </summary>
public sealed class RolePolicies(IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
{
    private readonly ConcurrentDictionary<string, AuthorizationPolicy> _roles = new(StringComparer.Ordinal);

    public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) =>
        await base.GetPolicyAsync(policyName)
        ?? (Roles.IsValidName(policyName)
            ? _roles.GetOrAdd(policyName, role => new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(role).Build())
            : null);
}
