using System.Globalization;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Gatehouse.Api.Tests.Data;

/// <summary>Each provider's migrations build the model; deployments can migrate as a step of their own.</summary>
public sealed class MigrationTests
{
    [Fact]
    public void The_sqlite_migrations_match_the_model()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), "run `dotnet ef migrations add` for SqliteGatehouseDbContext (Data/Migrations/README.md)");
    }

    [Fact]
    public void The_postgres_migrations_match_the_model()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), "run `dotnet ef migrations add` for PostgresGatehouseDbContext (Data/Migrations/README.md)");
    }

    [Fact]
    public void The_sqlite_compiled_model_matches_the_model()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);

        AssertCompiledModelIsCurrent(db, "SqliteGatehouseDbContext");
    }

    [Fact]
    public void The_postgres_compiled_model_matches_the_model()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);

        AssertCompiledModelIsCurrent(db, "PostgresGatehouseDbContext");
    }

    /// <summary>
    /// The app runs on the compiled model (Data/CompiledModels, found by its attribute), not on the
    /// model OnModelCreating builds: the two must describe the same tables, columns and mappings.
    /// </summary>
    private static void AssertCompiledModelIsCurrent(GatehouseDbContext db, string context)
    {
        var compiled = db.Model;
        var built = db.GetService<IDesignTimeModel>().Model;
        Assert.NotSame(built, compiled);
        Assert.True(Describe(built).SequenceEqual(Describe(compiled)),
            $"run `dotnet ef dbcontext optimize` for {context} (Data/Migrations/README.md); differs:\n" +
            string.Join("\n", Describe(built).Except(Describe(compiled)).Concat(Describe(compiled).Except(Describe(built)))));
    }

    // Tables, columns, keys and indexes as the database sees them, and each property's CLR type and mapping.
    private static List<string> Describe(IModel model) =>
        [.. model.GetRelationalModel().Tables.SelectMany(table => new[] { $"table {table.Name} pk {table.PrimaryKey?.Name}({Names(table.PrimaryKey?.Columns)})" }
            .Concat(table.Columns.Select(c => $"{table.Name}.{c.Name}: {c.StoreType} null={c.IsNullable} max={c.MaxLength}"))
            .Concat(table.Indexes.Select(i => $"{table.Name} index {i.Name}({Names(i.Columns)}) unique={i.IsUnique} filter={i.Filter}"))
            .Concat(table.UniqueConstraints.Select(u => $"{table.Name} unique {u.Name}({Names(u.Columns)})"))
            .Concat(table.ForeignKeyConstraints.Select(f => $"{table.Name} fk {f.Name}({Names(f.Columns)}) -> {f.PrincipalTable.Name} {f.OnDeleteAction}"))),
        .. model.GetEntityTypes().SelectMany(entity => entity.GetProperties().Select(p =>
            $"{entity.Name}.{p.Name}: {p.ClrType} {p.GetTypeMapping().Converter?.GetType().Name} {p.GetTypeMapping().GetType().Name} " +
            $"{p.ValueGenerated} {p.IsConcurrencyToken} {p.PropertyInfo?.Name ?? p.FieldInfo?.Name}")),
        ];

    private static string Names(IEnumerable<IColumn>? columns) => string.Join(",", columns?.Select(c => c.Name) ?? []);

    [Fact]
    public void A_restart_on_a_current_schema_reads_the_history_and_takes_no_migrations_lock()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            using (var first = GatehouseFactory.OnDirectory(directory))
            {
                first.CreateClient();
            }
            using var restart = GatehouseFactory.OnDirectory(directory);
            var database = DatabaseActivity.On(restart);
            restart.CreateClient();

            // MigrateAsync takes a lock before it looks (on SQLite a row of __EFMigrationsLock, a write).
            Assert.Contains(database.Statements, s => s.Contains("__EFMigrationsHistory", StringComparison.Ordinal));
            Assert.DoesNotContain(database.Statements, s =>
                s.Contains("__EFMigrationsLock", StringComparison.Ordinal) || s.Contains("LOCK TABLE", StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    public async Task Migrate_only_applies_the_schema_and_exits_and_the_server_then_starts_without_migrating()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            var settings = Settings(directory);
            await using (var migrate = ApiProcess.Start(directory, settings, "--migrate-only"))
            {
                Assert.True(await migrate.WaitForExitAsync(TimeSpan.FromSeconds(60)), "--migrate-only kept running:\n" + migrate.Output);
                Assert.True(migrate.ExitCode == 0, migrate.Output);
            }
            Assert.True(await AppliedMigrationsAsync(directory) > 0);

            settings["Database__MigrateOnStart"] = "false";
            var port = int.Parse(settings["PORT"]!, CultureInfo.InvariantCulture);
            await using var api = ApiProcess.Start(directory, settings);
            Assert.True(await api.WaitUntilServingAsync($"http://127.0.0.1:{port}/health/ready", TimeSpan.FromSeconds(30)), api.Output);
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    public async Task Without_migrate_on_start_an_outdated_schema_stops_startup_and_names_the_command()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            var settings = Settings(directory);
            settings["Database__MigrateOnStart"] = "false";
            await using var api = ApiProcess.Start(directory, settings);

            Assert.True(await api.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the API started on an empty database:\n" + api.Output);
            Assert.NotEqual(0, api.ExitCode);
            Assert.Contains("--migrate-only", api.Output, StringComparison.Ordinal);
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    /// <summary>The process's settings for the suite's database, with an empty schema.</summary>
    private static Dictionary<string, string?> Settings(string directory)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Gatehouse__Data__Directory"] = directory,
            ["PORT"] = ApiProcess.FreePort().ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in TestDatabase.EnvironmentFor(directory, migrated: false))
        {
            settings[key] = value;
        }
        return settings;
    }

    private static async Task<long> AppliedMigrationsAsync(string directory)
    {
        await using var connection = await TestDatabase.OpenAsync(directory);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM \"__EFMigrationsHistory\"";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
