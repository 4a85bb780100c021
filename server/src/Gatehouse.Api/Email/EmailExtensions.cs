using Gatehouse.Api.Accounts;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Email;

public static class EmailExtensions
{
    /// <summary>Mail: settings, the outbox, its sender, and the one-time tokens mails carry.</summary>
    public static IServiceCollection AddEmail(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section);
        services.AddOptions<PublicWebSettings>()
            .Configure<IConfiguration>((options, configuration) => options.Url = configuration[PublicWebSettings.Key] ?? PublicWebSettings.Default)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublicWebSettings>, PublicWebSettingsValidator>();

        services.AddSingleton<MailComposer>();
        services.AddSingleton<OutboxSignal>();
        services.AddScoped<MailOutbox>();
        services.AddScoped<AccountTokens>();
        services.AddSingleton<OutboxSender>();
        services.AddHostedService(provider => provider.GetRequiredService<OutboxSender>());
        return services;
    }
}
