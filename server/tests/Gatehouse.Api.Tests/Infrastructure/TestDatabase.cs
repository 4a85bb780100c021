using System.Collections.Concurrent;
using System.Data.Common;
using Gatehouse.Api.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// The database the suite runs on. SQLite by default: a file in each test's data folder. With
/// <c>GATEHOUSE_TEST_DATABASE=postgres</c>, one PostgreSQL database per data folder on the server
/// that <c>GATEHOUSE_TEST_POSTGRES</c> (an Npgsql connection string whose role may create databases)
/// names; ./test.sh runs the whole suite both ways. Each database is copied from a template migrated
/// once per run, so a test pays for a file copy, not for the migrations.
/// </summary>
public static class TestDatabase
{
    public static readonly DatabaseProvider Provider =
        DatabaseOptions.Parse(Environment.GetEnvironmentVariable("GATEHOUSE_TEST_DATABASE") ?? "sqlite")
        ?? throw new InvalidOperationException("GATEHOUSE_TEST_DATABASE must be sqlite or postgres.");

    public static bool IsPostgres => Provider == DatabaseProvider.Postgres;

    // Lazy: GetOrAdd may run its factory on several threads at once, and CREATE DATABASE must run once.
    private static readonly ConcurrentDictionary<string, Lazy<string>> Created = new();
    private static readonly Lazy<string> Template = new(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly string RunTag = $"{Environment.ProcessId}_{Random.Shared.Next(1000, 9999)}";

    static TestDatabase()
    {
        if (IsPostgres)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => DropEverything();
        }
    }

    /// <summary>
    /// The settings that put an app on this folder's database: migrated already, or (when
    /// <paramref name="migrated"/> is false) empty, as a new deployment's database is.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> SettingsFor(string dataDirectory, bool migrated = true) => IsPostgres
        ? new Dictionary<string, string?>
        {
            ["Database:Provider"] = "postgres",
            ["ConnectionStrings:Default"] = EnsureCreated(dataDirectory, migrated),
        }
        : new Dictionary<string, string?>();

    /// <summary><see cref="SettingsFor"/> as environment variables, for the API started as a process.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> EnvironmentFor(string dataDirectory, bool migrated = true) =>
        SettingsFor(dataDirectory, migrated).Select(s => KeyValuePair.Create(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value));

    /// <summary>A connection of the test's own to the folder's database, beside the app's.</summary>
    public static async Task<DbConnection> OpenAsync(string dataDirectory)
    {
        DbConnection connection = IsPostgres
            ? new NpgsqlConnection(EnsureCreated(dataDirectory))
            : new SqliteConnection(DataExtensions.SqliteFileConnectionString(dataDirectory));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>
    /// Closes the idle pooled connections of this one SQLite database, and its busy ones as they come
    /// back. Never <c>SqliteConnection.ClearAllPools</c>: that closes the idle connections of every
    /// test running beside this one too, and SQLite deletes a database's -wal and -shm files when its
    /// last connection closes.
    /// </summary>
    public static void ClearSqlitePool(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Makes the folder's database refuse every connection, as an outage would.</summary>
    public static async Task BreakAsync(string dataDirectory)
    {
        if (IsPostgres)
        {
            var name = NameFor(dataDirectory);
            Admin($"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false");
            Admin($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()");
            return;
        }
        ClearSqlitePool(DataExtensions.SqliteFileConnectionString(dataDirectory));
        foreach (var file in Directory.GetFiles(dataDirectory, "gatehouse.db*"))
        {
            File.Move(file, file + ".away");
        }
        // Longer than a page, so SQLite reads the header and refuses the file instead of taking it for empty.
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "gatehouse.db"),
            string.Concat(Enumerable.Repeat("this is not a database, it is a broken disk. ", 200)));
    }

    /// <summary>Ends the outage <see cref="BreakAsync"/> began; the data is as it was.</summary>
    public static void Repair(string dataDirectory)
    {
        if (IsPostgres)
        {
            Admin($"ALTER DATABASE \"{NameFor(dataDirectory)}\" ALLOW_CONNECTIONS true");
            return;
        }
        ClearSqlitePool(DataExtensions.SqliteFileConnectionString(dataDirectory));
        File.Delete(Path.Combine(dataDirectory, "gatehouse.db"));
        foreach (var file in Directory.GetFiles(dataDirectory, "gatehouse.db*.away"))
        {
            File.Move(file, file[..^".away".Length]);
        }
    }

    /// <summary>Drops the folder's database, if it has one (SQLite's file goes with the folder).</summary>
    public static void Drop(string dataDirectory)
    {
        if (IsPostgres && Created.TryRemove(dataDirectory, out var created) && created.IsValueCreated)
        {
            NpgsqlConnection.ClearPool(new NpgsqlConnection(created.Value));
            // FORCE ends the database's other connections, and PostgreSQL refuses (42501) when one of
            // them is a background worker of another role that is there at that moment (seen once in
            // CI after a test): a moment later it has gone.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    Admin($"DROP DATABASE IF EXISTS \"{NameFor(dataDirectory)}\" WITH (FORCE)");
                    return;
                }
                catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 10)
                {
                    Thread.Sleep(200);
                }
            }
        }
    }

    private static string EnsureCreated(string dataDirectory, bool migrated = true) => Created.GetOrAdd(dataDirectory, directory => new(() =>
    {
        var name = NameFor(directory);
        Admin(migrated ? $"CREATE DATABASE \"{name}\" TEMPLATE \"{Template.Value}\"" : $"CREATE DATABASE \"{name}\"");
        return WithDatabase(name);
    })).Value;

    private static string CreateTemplate()
    {
        var name = $"gatehouse_template_{RunTag}";
        Admin($"CREATE DATABASE \"{name}\"");
        var connectionString = WithDatabase(name);
        // Identity's tables follow its store options (schema version 3, passkeys), read from the app's
        // services; without them the model would be version 1's and Migrate would refuse the migrations.
        using (var db = new PostgresGatehouseDbContext(new DbContextOptionsBuilder<PostgresGatehouseDbContext>().UseNpgsql(connectionString)
            .UseApplicationServiceProvider(DesignTimeIdentity.Services).Options))
        {
            db.Database.Migrate();
        }
        // A template must have no open connections while databases are copied from it.
        NpgsqlConnection.ClearPool(new NpgsqlConnection(connectionString));
        return name;
    }

    // Unique per run and per folder, within PostgreSQL's 63-byte names.
    private static string NameFor(string dataDirectory) =>
        $"gatehouse_{RunTag}_{Path.GetFileName(dataDirectory).Replace("gatehouse-test-", "").Replace('-', '_').ToLowerInvariant()}";

    private static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("GATEHOUSE_TEST_POSTGRES") is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                "GATEHOUSE_TEST_DATABASE=postgres needs GATEHOUSE_TEST_POSTGRES, an Npgsql connection string whose role may create databases " +
                "(./test.sh starts a throwaway server and sets it).");

    private static string WithDatabase(string name) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ToString();

    private static void Admin(string sql)
    {
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static void DropEverything()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            foreach (var directory in Created.Keys.ToList())
            {
                Drop(directory);
            }
            if (Template.IsValueCreated)
            {
                Admin($"DROP DATABASE IF EXISTS \"{Template.Value}\" WITH (FORCE)");
            }
        }
        catch (NpgsqlException)
        {
            // The throwaway server may already be gone; it takes its databases with it.
        }
    }
}
