namespace Gatehouse.Api.Mfa;

public static class MfaExtensions
{
    /// <summary>Second factors: settings and the sign-in challenges (pending sign-ins, passkey ceremonies).</summary>
    public static IServiceCollection AddMfa(this IServiceCollection services)
    {
        services.AddOptions<MfaOptions>().BindConfiguration(MfaOptions.Section).ValidateOnStart();
        services.AddScoped<AuthChallenges>();
        services.AddScoped<PendingSignIns>();
        services.AddScoped<Auth.SignIns>();
        return services;
    }
}
