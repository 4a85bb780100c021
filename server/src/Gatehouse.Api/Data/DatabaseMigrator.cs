using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Data;

/// <summary>
/// Brings the schema up to date with the chosen provider's migrations. Several instances starting
/// at once are safe: EF Core takes a database lock around migrating.
/// </summary>
internal sealed partial class DatabaseMigrator(
    IServiceProvider services,
    IOptions<DatabaseOptions> options,
    ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        var provider = options.Value.ProviderKind;
        if (provider == DatabaseProvider.Sqlite)
        {
            CreateSqliteFile(db);
        }
        // A restart usually finds the schema current, and reading the history table says so. MigrateAsync
        // would also take the migrations lock (a write) and diff the model against the migrations'
        // snapshot, a second model build at every start; Data/MigrationTests pins that no model change
        // lacks its migration. Anything else (pending migrations, a database not created yet) goes
        // through MigrateAsync and its lock.
        if (!await IsCurrentAsync(db, cancellationToken))
        {
            // On an empty PostgreSQL database EF logs one spurious "Failed executing DbCommand … __EFMigrationsHistory"
            // here (npgsql/efcore.pg#3407): the provider learns that the table is missing by querying it.
            await Reach(() => db.Database.MigrateAsync(cancellationToken));
        }
        if (provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers (session checks) proceed while a sign-up or sign-in writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Count();
        LogMigrated(logger, provider, applied);
    }

    /// <summary>For deployments that migrate as a separate step: refuse to serve an outdated schema.</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        if (options.Value.ProviderKind == DatabaseProvider.Sqlite)
        {
            CreateSqliteFile(db);
        }
        var pending = (await Reach(() => db.Database.GetPendingMigrationsAsync(cancellationToken))).ToList();
        if (pending.Count > 0)
        {
            throw new InvalidOperationException(
                $"The database schema is {pending.Count} migration(s) behind ({string.Join(", ", pending)}) and Database:MigrateOnStart is false. " +
                "Run `dotnet Gatehouse.Api.dll --migrate-only` with the same settings first, or set Database:MigrateOnStart to true.");
        }
    }

    private static async Task<bool> IsCurrentAsync(GatehouseDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            return !(await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any();
        }
        catch (Exception exception) when (exception.IsDatabaseUnavailable())
        {
            return false; // e.g. a PostgreSQL database not created yet: MigrateAsync creates it, or says why it cannot
        }
    }

    /// <summary>Turns "cannot reach the database" into a start-up message that says what to check.</summary>
    private async Task<T> Reach<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception exception) when (exception.IsDatabaseUnavailable())
        {
            // The provider's message names the host or file, never the password.
            throw new InvalidOperationException(
                $"Cannot reach the {options.Value.ProviderKind} database: {exception.Message} " +
                "Check ConnectionStrings:Default (env ConnectionStrings__Default) and that the database server is running.", exception);
        }
    }

    private Task Reach(Func<Task> action) => Reach(async () =>
    {
        await action();
        return true;
    });

    /// <summary>
    /// The database's folder, and its file as 0600: SQLite would create the file with the umask
    /// (usually 0644, readable by every local user) and gives its -wal and -shm files the file's mode.
    /// </summary>
    private static void CreateSqliteFile(GatehouseDbContext db)
    {
        var connection = new SqliteConnectionStringBuilder(db.Database.GetConnectionString());
        var path = connection.DataSource;
        // In-memory databases and URI file names are left to SQLite.
        if (!string.IsNullOrEmpty(path) && path != ":memory:" && connection.Mode != SqliteOpenMode.Memory
            && !path.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            path = Path.GetFullPath(path);
            DatabaseInitializer.CreateFolder(Path.GetDirectoryName(path)!, "ConnectionStrings:Default");
            PrivateFiles.CreateEmptyFile(path);
        }
    }

    [LoggerMessage(LogLevel.Information, "Database schema ({Provider}) is up to date: {Applied} migration(s) applied")]
    private static partial void LogMigrated(ILogger logger, DatabaseProvider provider, int applied);
}
