using Gatehouse.Api.Users;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Data;

/// <summary>
/// Applies migrations and seeds the demo user before the server takes requests
/// (a lifecycle "starting" hook runs before Kestrel starts listening).
/// </summary>
internal sealed class DatabaseInitializer(
    IServiceProvider services,
    DatabaseMigrator migrator,
    IOptions<DatabaseOptions> database,
    IOptions<DataOptions> dataOptions,
    IHostEnvironment environment) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        CreateFolder(dataOptions.Value.ResolveDirectory(environment), "Gatehouse:Data:Directory (env Gatehouse__Data__Directory)");

        if (database.Value.MigrateOnStart)
        {
            await migrator.MigrateAsync(cancellationToken);
        }
        else
        {
            await migrator.EnsureCurrentAsync(cancellationToken);
        }

        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DemoUserSeeder>().SeedAsync(cancellationToken);
        scope.ServiceProvider.GetRequiredService<DummyPassword>().Prepare();
    }

    internal static void CreateFolder(string path, string setting)
    {
        try
        {
            PrivateFiles.CreateFolder(path); // 0700 when Gatehouse makes it: it holds the database and keys
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
}
