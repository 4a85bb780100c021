using Gatehouse.Api.Data;
using Gatehouse.Api.Mfa;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.DataProtection;

public static class DataProtectionExtensions
{
    /// <summary>One name for every instance: Data Protection isolates apps by it, and its default is the content root's path.</summary>
    public const string ApplicationName = "Gatehouse";

    /// <summary>
    /// ASP.NET Core Data Protection (today: the external sign-in's <c>state</c> and its correlation and
    /// nonce cookies) with one key ring for every instance on the database: kept in the
    /// <c>DataProtectionKeys</c> table through Data Protection's EF Core repository, each key's secret
    /// sealed with <c>Gatehouse:Mfa:EncryptionKey</c> (<see cref="SealedKeyXmlEncryptor"/>; Development
    /// without that key stores it plainly, and Data Protection logs a warning). Keys rotate on Data
    /// Protection's schedule (a new key every 90 days, made days ahead); <see cref="KeyRingSeeder"/>
    /// settles the first key when instances start together.
    /// </summary>
    public static IServiceCollection AddGatehouseDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider>((options, provider) =>
        {
            options.XmlRepository = new KeyRingRepository(
                new EntityFrameworkCoreXmlRepository<GatehouseDbContext>(provider, provider.GetRequiredService<ILoggerFactory>()));
            // Development's own MFA key is public: sealing with it would only pretend.
            if (provider.GetRequiredService<IOptions<MfaOptions>>().Value.EncryptionKey != MfaOptionsValidator.DevelopmentOnlyEncryptionKey)
            {
                options.XmlEncryptor = new SealedKeyXmlEncryptor(provider.GetRequiredService<MfaSecrets>());
            }
        });
        services.AddHostedService<KeyRingSeeder>();
        return services;
    }
}
