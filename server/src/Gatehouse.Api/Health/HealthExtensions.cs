using Gatehouse.Api.Hosting;
using System.Text.Json;
using Gatehouse.Api.Data;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gatehouse.Api.Health;

public static class HealthExtensions
{
    internal const string ReadyTag = "ready";

    public static IServiceCollection AddGatehouseHealth(this IServiceCollection services)
    {
        // A real query, not just "can connect": SQLite opens any file, even one that is not a database.
        services.AddHealthChecks().AddDbContextCheck<GatehouseDbContext>("database", tags: [ReadyTag],
            customTestQuery: async (db, cancellationToken) =>
            {
                await db.Sessions.AnyAsync(cancellationToken);
                return true;
            });
        return services;
    }

    /// <summary>
    /// <c>/health</c>: the process answers. <c>/health/ready</c>: and its database does too (and Redis,
    /// when configured, reported as Degraded while down).
    /// </summary>
    public static IEndpointRouteBuilder MapGatehouseHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return routes;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        // Names and states only: exception messages could carry connection strings.
        var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString());
        // Degraded (Redis down, see Scaling/) still serves correctly: a 200 with the same shape as Healthy.
        if (report.Status != HealthStatus.Unhealthy)
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(JsonSerializer.Serialize(new { status = report.Status.ToString(), checks }));
        }
        return context.WriteProblemAsync(context.Response.StatusCode, "Service unavailable", "A dependency of the API is not answering.",
            extensions: new Dictionary<string, object?> { ["health"] = report.Status.ToString(), ["checks"] = checks });
    }
}
