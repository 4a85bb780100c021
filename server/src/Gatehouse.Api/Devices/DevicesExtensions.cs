using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Devices;

public static class DevicesExtensions
{
    public static IServiceCollection AddKnownDevices(this IServiceCollection services)
    {
        services.AddOptions<DeviceCookieSettings>().BindConfiguration(DeviceCookieSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeviceCookieSettings>, DeviceCookieSettingsValidator>();
        services.AddScoped<KnownDevices>();
        return services;
    }
}
