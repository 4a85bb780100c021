using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Mfa;

public static class MfaExtensions
{
    /// <summary>Second factors: settings, secrets at rest, the sign-in challenges (pending sign-ins, passkey ceremonies), code checks and the enrolment gate.</summary>
    public static IServiceCollection AddMfa(this IServiceCollection services)
    {
        services.AddOptions<MfaOptions>().BindConfiguration(MfaOptions.Section)
            // Development runs without setting a key (see MfaOptionsValidator); elsewhere one is required.
            .PostConfigure<IHostEnvironment>((options, environment) =>
            {
                if (environment.IsDevelopment() && string.IsNullOrWhiteSpace(options.EncryptionKey))
                {
                    options.EncryptionKey = MfaOptionsValidator.DevelopmentOnlyEncryptionKey;
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<MfaOptions>, MfaOptionsValidator>();
        // Authenticator keys sealed and recovery codes hashed at rest: the user store (Users/UsersExtensions.cs) uses these.
        services.AddSingleton<MfaSecrets>();
        services.AddScoped<AuthChallenges>();
        services.AddScoped<PendingSignIns>();
        services.AddScoped<Auth.SignIns>();
        services.AddScoped<SecondFactorChecks>();
        services.AddEnrollmentGate();
        return services;
    }
}
