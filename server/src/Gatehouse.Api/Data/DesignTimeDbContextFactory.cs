using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Gatehouse.Api.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the app.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<GatehouseDbContext>
{
    public GatehouseDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<GatehouseDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
