using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Gatehouse.Api.Data;

// Let `dotnet ef migrations add --context …` build each provider's model without starting the app
// (no database is contacted). See Data/Migrations/README.md.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteGatehouseDbContext>
{
    public SqliteGatehouseDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteGatehouseDbContext>().UseSqlite("Data Source=design-time.db")
            .UseApplicationServiceProvider(DesignTimeIdentity.Services).Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresGatehouseDbContext>
{
    public PostgresGatehouseDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresGatehouseDbContext>().UseNpgsql("Host=localhost;Database=gatehouse_design_time")
            .UseApplicationServiceProvider(DesignTimeIdentity.Services).Options);
}

/// <summary>
/// Identity builds its tables from its store options, which it reads from the app's services; the app
/// sets schema version 3 (passkeys, Users/UsersExtensions.cs). Design time has no app, so it gets the
/// same options here, or the migrations and compiled models would describe version 1's tables.
/// </summary>
internal static class DesignTimeIdentity
{
    public static readonly IServiceProvider Services = new ServiceCollection()
        .Configure<IdentityOptions>(options => options.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
        .BuildServiceProvider();
}
