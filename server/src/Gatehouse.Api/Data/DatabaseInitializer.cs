using Gatehouse.Api.Users;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Data;

/// <summary>
/// Applies migrations and seeds the demo user before the server takes requests
/// (a lifecycle "starting" hook runs before Kestrel starts listening).
/// </summary>
internal sealed partial class DatabaseInitializer(
    IServiceProvider services,
    IOptions<DataOptions> dataOptions,
    IHostEnvironment environment,
    ILogger<DatabaseInitializer> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        CreateFolder(dataOptions.Value.ResolveDirectory(environment), "Gatehouse:Data:Directory (env Gatehouse__Data__Directory)");

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        var connection = new SqliteConnectionStringBuilder(db.Database.GetConnectionString());
        if (!string.IsNullOrEmpty(connection.DataSource) && connection.DataSource != ":memory:")
        {
            CreateFolder(Path.GetDirectoryName(Path.GetFullPath(connection.DataSource))!, "ConnectionStrings:Default");
        }

        await db.Database.MigrateAsync(cancellationToken);
        // WAL lets readers (session checks) proceed while a sign-up or sign-in writes.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        LogMigrated(logger);

        await scope.ServiceProvider.GetRequiredService<DemoUserSeeder>().SeedAsync(cancellationToken);
        scope.ServiceProvider.GetRequiredService<DummyPassword>().Prepare();
    }

    private static void CreateFolder(string path, string setting)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot create the data folder '{path}' ({exception.Message}). Point {setting} at a writable folder.", exception);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Database schema is up to date")]
    private static partial void LogMigrated(ILogger logger);
}
