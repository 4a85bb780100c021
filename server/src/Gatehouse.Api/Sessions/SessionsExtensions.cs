namespace Gatehouse.Api.Sessions;

public static class SessionsExtensions
{
    public static IServiceCollection AddSessions(this IServiceCollection services)
    {
        services.AddSingleton<SessionCache>();
        services.AddScoped<SessionStore>();
        return services;
    }
}
