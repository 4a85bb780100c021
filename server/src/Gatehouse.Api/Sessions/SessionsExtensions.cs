using Gatehouse.Api.Audit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Sessions;

public static class SessionsExtensions
{
    public static IServiceCollection AddSessions(this IServiceCollection services)
    {
        services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionOptions>, SessionOptionsValidator>();
        services.AddSingleton<SessionCache>();
        services.AddSingleton<SessionGuard>();
        // Replaced by the Redis fan-out when Redis is configured (Scaling/).
        services.TryAddSingleton<ISessionRevocationFanOut, NoRevocationFanOut>();
        services.AddScoped<SessionStore>();
        services.AddSingleton<RotationBatches>();
        services.AddRevocationFeedLimit();
        services.AddScoped<AuditLog>();
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();
        services.AddSingleton<AuditRetention>();
        services.AddSingleton<SessionJanitor>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionJanitor>());
        return services;
    }
}
