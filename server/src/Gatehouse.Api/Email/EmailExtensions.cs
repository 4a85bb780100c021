using Gatehouse.Api.Accounts;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Email;

public static class EmailExtensions
{
    /// <summary>Mail: settings, the outbox, its sender, and the one-time tokens mails carry.</summary>
    public static IServiceCollection AddEmail(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<EmailOptions>, EmailDevelopmentDefaults>();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.AddOptions<PublicWebSettings>()
            .Configure<IConfiguration>((options, configuration) => options.Url = configuration[PublicWebSettings.Key] ?? PublicWebSettings.Default)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublicWebSettings>, PublicWebSettingsValidator>();

        services.AddSingleton<MailComposer>();
        services.AddSingleton<OutboxSignal>();
        // Picked up by both database providers' contexts (Data/DataExtensions.cs).
        services.AddSingleton<IInterceptor, OutboxWakeInterceptor>();
        services.AddScoped<MailOutbox>();
        services.AddScoped<AccountTokens>();
        services.AddSingleton<OutboxSender>();
        services.AddHostedService(provider => provider.GetRequiredService<OutboxSender>());
        return services;
    }
}

public static class EmailEndpointExtensions
{
    /// <summary>
    /// For endpoints that exist to send mail (verification, reset, email change): with
    /// <c>Gatehouse:Email:Enabled=false</c> they answer 503 problem <c>email_disabled</c> and do nothing.
    /// </summary>
    public static RouteHandlerBuilder RequireEmail(this RouteHandlerBuilder builder) => builder
        .AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<IOptions<EmailOptions>>().Value.Enabled
                ? await next(context)
                : Auth.Problems.Unavailable(Auth.AuthErrors.EmailDisabled))
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
