using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Accounts;

public sealed class DemoUserAddressTests
{
    [Fact]
    public async Task The_demo_user_has_the_verified_address_john_at_example_com_and_signs_in_with_it()
    {
        // Development seeds the demo user (appsettings.Development.json); verified addresses required or not, it gets in.
        using var factory = new GatehouseFactory().With("Gatehouse:Accounts:RequireVerifiedEmail", "true");
        var client = factory.CreateClient();

        var login = await client.LoginAsync("john@example.com", "password123");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var me = await (await client.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("john", me.GetProperty("username").GetString());
        Assert.Equal("john@example.com", me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
    }

    [Fact]
    public async Task A_demo_user_seeded_before_addresses_existed_gets_its_verified_address_at_the_next_start()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            using (var before = GatehouseFactory.OnDirectory(directory))
            {
                before.CreateClient();
                await before.QueryAsync(db => db.Users.Where(u => u.UserName == "john").ExecuteUpdateAsync(set => set
                    .SetProperty(u => u.Email, (string?)null).SetProperty(u => u.NormalizedEmail, (string?)null).SetProperty(u => u.EmailConfirmed, false)));
            }
            using var after = GatehouseFactory.OnDirectory(directory);
            after.CreateClient();

            var john = await after.QueryAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.UserName == "john"));
            Assert.Equal("john@example.com", john.Email);
            Assert.Equal("JOHN@EXAMPLE.COM", john.NormalizedEmail);
            Assert.True(john.EmailConfirmed);
            Assert.Equal(HttpStatusCode.OK, (await after.CreateClient().LoginAsync("john", "password123")).StatusCode);
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }
}
