using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Passkeys;

public static class PasskeysExtensions
{
    /// <summary>Passkeys: the relying party's settings and the WebAuthn ceremonies (Identity's PasskeyHandler).</summary>
    public static IServiceCollection AddPasskeys(this IServiceCollection services)
    {
        services.AddOptions<PasskeyOptions>().BindConfiguration(PasskeyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasskeyOptions>, PasskeyOptionsValidator>();
        services.AddSingleton<RelyingParty>();
        services.AddSingleton<PasskeyHandlerOptions>();
        services.AddScoped<PasskeyCeremonies>();
        return services;
    }
}
