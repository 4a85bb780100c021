using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Gatehouse.Api.Data;

// Let `dotnet ef migrations add --context …` build each provider's model without starting the app
// (no database is contacted). See Data/Migrations/README.md.

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteGatehouseDbContext>
{
    public SqliteGatehouseDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteGatehouseDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresGatehouseDbContext>
{
    public PostgresGatehouseDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresGatehouseDbContext>().UseNpgsql("Host=localhost;Database=gatehouse_design_time").Options);
}
