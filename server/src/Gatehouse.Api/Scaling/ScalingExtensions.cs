using Gatehouse.Api.Security;
using Gatehouse.Api.Sessions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Scaling;

public static class ScalingExtensions
{
    /// <summary>
    /// Redis for many instances: shared rate-limit counters, the revocation fan-out and its health.
    /// All of it stays idle unless <c>Redis:Configuration</c> is set (decided at start, from options,
    /// so that configuration given to the host in any way applies). Call after AddSessions.
    /// </summary>
    public static IServiceCollection AddGatehouseRedis(this IServiceCollection services)
    {
        services.AddOptions<RedisSettings>().BindConfiguration(RedisSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisSettings>, RedisSettingsValidator>();
        services.AddSingleton<RedisConnection>();
        services.AddSingleton<ISharedRateLimitCounter, RedisRateLimitCounter>();
        services.AddSingleton<RedisRevocationFanOut>();
        services.AddSingleton<ISessionRevocationFanOut>(provider => provider.GetRequiredService<RedisRevocationFanOut>());
        services.AddHostedService<RevocationListener>();

        // Only a configured Redis is reported on. Down is Degraded, not Unhealthy: the fallbacks keep the
        // instance correct, and a load balancer must not pull every instance when Redis blips.
        services.AddHealthChecks();
        services.AddOptions<HealthCheckServiceOptions>().Configure<IOptions<RedisSettings>>((health, redis) =>
        {
            if (redis.Value.Enabled)
            {
                health.Registrations.Add(new HealthCheckRegistration("redis",
                    provider => ActivatorUtilities.CreateInstance<RedisHealthCheck>(provider),
                    HealthStatus.Degraded, [Health.HealthExtensions.ReadyTag]));
            }
        });
        return services;
    }
}

/// <summary>Healthy while Redis answers and this instance hears revocations; Degraded otherwise.</summary>
internal sealed class RedisHealthCheck(RedisConnection redis, SessionCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.IsConnected && cache.Trusted
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, "Redis is unreachable: limits count per instance and session checks ask the database."));
}
