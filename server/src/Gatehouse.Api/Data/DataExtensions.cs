using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Data;

public static class DataExtensions
{
    public static IServiceCollection AddGatehouseData(this IServiceCollection services)
    {
        services.AddOptions<DataOptions>().BindConfiguration(DataOptions.Section);
        services.AddDbContext<GatehouseDbContext>((provider, options) =>
            options.UseSqlite(ConnectionString(provider)));
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }

    /// <summary><c>ConnectionStrings:Default</c>, else a file in the data folder.</summary>
    internal static string ConnectionString(IServiceProvider provider)
    {
        var configured = provider.GetRequiredService<IConfiguration>().GetConnectionString("Default");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        var directory = provider.GetRequiredService<IOptions<DataOptions>>().Value
            .ResolveDirectory(provider.GetRequiredService<IHostEnvironment>());
        return new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "gatehouse.db") }.ToString();
    }

    /// <summary>True when a write failed on a unique index (a race that validation could not see).</summary>
    internal static bool IsUniqueViolation(this DbUpdateException exception) =>
        exception.InnerException is SqliteException { SqliteExtendedErrorCode: 2067 /* SQLITE_CONSTRAINT_UNIQUE */ };
}
