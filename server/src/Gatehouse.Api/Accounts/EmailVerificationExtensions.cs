using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

public static class EmailVerificationExtensions
{
    /// <summary>Addresses on accounts: the sign-up and sign-in settings, verification, and the sign-in notices.</summary>
    public static IServiceCollection AddEmailVerification(this IServiceCollection services)
    {
        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccountOptions>, AccountOptionsValidator>();
        services.AddOptions<SignInNoticeOptions>().BindConfiguration(SignInNoticeOptions.Section);
        services.AddSingleton<AccountMails>();
        services.AddScoped<EmailVerification>();
        services.AddScoped<SignInNotices>();
        return services;
    }
}
