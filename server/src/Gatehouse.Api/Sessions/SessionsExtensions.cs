using Gatehouse.Api.Audit;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Sessions;

public static class SessionsExtensions
{
    public static IServiceCollection AddSessions(this IServiceCollection services)
    {
        services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SessionOptions>, SessionOptionsValidator>();
        services.AddSingleton<SessionCache>();
        services.AddScoped<SessionStore>();
        services.AddScoped<AuditLog>();
        services.AddSingleton<SessionJanitor>();
        services.AddHostedService(provider => provider.GetRequiredService<SessionJanitor>());
        return services;
    }
}
