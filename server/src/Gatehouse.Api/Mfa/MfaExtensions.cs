namespace Gatehouse.Api.Mfa;

public static class MfaExtensions
{
    /// <summary>Second factors: settings, the sign-in challenges (pending sign-ins, passkey ceremonies), code checks and the enrolment gate.</summary>
    public static IServiceCollection AddMfa(this IServiceCollection services)
    {
        services.AddOptions<MfaOptions>().BindConfiguration(MfaOptions.Section).ValidateOnStart();
        services.AddScoped<AuthChallenges>();
        services.AddScoped<PendingSignIns>();
        services.AddScoped<Auth.SignIns>();
        services.AddScoped<SecondFactorChecks>();
        services.AddEnrollmentGate();
        return services;
    }
}
