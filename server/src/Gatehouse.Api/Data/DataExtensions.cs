using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Gatehouse.Api.Data;

public static class DataExtensions
{
    public static IServiceCollection AddGatehouseData(this IServiceCollection services)
    {
        services.AddOptions<DataOptions>().BindConfiguration(DataOptions.Section);
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();

        // Both providers are registered; Database:Provider picks one when a context is asked for, so
        // the choice is made from the final configuration (including a test host's overrides).
        // Interceptors registered as services (tests hold back or count statements) apply to either.
        // The options are built once, from configuration and singletons. Contexts are pooled: a new
        // context resolves EF's services and looks up its compiled model by reflection, and a refresh
        // makes two of them (the request's and the rotation writer's); a pooled one is reset on return
        // instead (its tracked entities, its settings) and keeps those services.
        services.AddDbContextPool<SqliteGatehouseDbContext>((provider, options) => options
            .UseSqlite(ConnectionString(provider))
            .AddInterceptors(provider.GetServices<IInterceptor>())
            .AddInterceptors(new SqliteWriteWaits()));
        services.AddDbContextPool<PostgresGatehouseDbContext>((provider, options) => options
            .UseNpgsql(ConnectionString(provider))
            .AddInterceptors(provider.GetServices<IInterceptor>()));
        services.AddScoped<GatehouseDbContext>(provider =>
            provider.GetRequiredService<IOptions<DatabaseOptions>>().Value.ProviderKind == DatabaseProvider.Postgres
                ? provider.GetRequiredService<PostgresGatehouseDbContext>()
                : provider.GetRequiredService<SqliteGatehouseDbContext>());

        services.AddSingleton<SqliteWriteTurns>();
        services.AddSingleton<DatabaseMigrator>();
        services.AddHostedService<DatabaseInitializer>();
        return services;
    }

    /// <summary><c>ConnectionStrings:Default</c>, else (SQLite) a file in the data folder.</summary>
    internal static string ConnectionString(IServiceProvider provider)
    {
        var configured = provider.GetRequiredService<IConfiguration>().GetConnectionString("Default");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        var directory = provider.GetRequiredService<IOptions<DataOptions>>().Value
            .ResolveDirectory(provider.GetRequiredService<IHostEnvironment>());
        return SqliteFileConnectionString(directory);
    }

    /// <summary>The default SQLite file in a data folder (its connection string is also its pool's key).</summary>
    internal static string SqliteFileConnectionString(string directory) =>
        new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "gatehouse.db") }.ToString();

    /// <summary>True when a write failed on a unique index (a race that validation could not see).</summary>
    internal static bool IsUniqueViolation(this DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode == 2067, // SQLITE_CONSTRAINT_UNIQUE
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    /// <summary>
    /// True when the database could not be reached or could not answer: a failed connection, a server
    /// shutting down, a broken pooled connection, a locked SQLite file. Answered with 503 and
    /// Retry-After; the next request tries again, so the API recovers by itself when the database does.
    /// A concurrency conflict is not an outage: it is the caller's to handle.
    /// </summary>
    internal static bool IsDatabaseUnavailable(this Exception? exception) => exception switch
    {
        null or DbUpdateConcurrencyException => false,
        DbException or TimeoutException => true,
        _ => exception.InnerException.IsDatabaseUnavailable(),
    };
}
