using System.Net;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Admin;

/// <summary>In Development the demo user john is an admin, so a newcomer can open the console; nowhere else.</summary>
public sealed class DemoUserAdminTests
{
    [Fact]
    public async Task The_demo_user_john_signs_in_as_an_admin_and_opens_the_admin_api()
    {
        using var factory = new GatehouseFactory();

        var (access, _) = await factory.LogInAsync(DemoUserSeeder.Username, DemoUserSeeder.Password);

        Assert.Equal(HttpStatusCode.OK, (await factory.GetAsAsync("/admin/users?q=john", access)).StatusCode);
    }

    [Fact]
    public async Task A_demo_user_seeded_before_roles_existed_becomes_an_admin_at_the_next_start_once()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            using (var before = GatehouseFactory.OnDirectory(directory))
            {
                before.CreateClient();
                await before.QueryAsync(db => db.UserRoles.ExecuteDeleteAsync());
            }
            for (var start = 0; start < 2; start++)
            {
                using var after = GatehouseFactory.OnDirectory(directory);
                after.CreateClient();
            }

            using var last = GatehouseFactory.OnDirectory(directory);
            last.CreateClient();
            var johnId = await last.UserIdAsync(DemoUserSeeder.Username);
            Assert.Equal([Roles.Admin], await last.QueryAsync(db => UserProfiles.ReadRolesAsync(db, johnId, CancellationToken.None)));
            // Once at the first start, once again after the role was taken away; the restarts in between changed nothing.
            Assert.Equal(2, await last.QueryAsync(db => db.AuditEvents.CountAsync(e => e.UserId == johnId && e.Event == AuditEvents.RoleGranted && e.Detail == Roles.Admin)));
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    public async Task Without_SeedDemoUser_there_is_no_john_and_so_no_admin()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:SeedDemoUser", "false");
        factory.CreateClient();

        Assert.False(await factory.QueryAsync(db => db.Users.AnyAsync(u => u.UserName == DemoUserSeeder.Username)));
        Assert.False(await factory.QueryAsync(db => db.UserRoles.AnyAsync()));
    }
}
