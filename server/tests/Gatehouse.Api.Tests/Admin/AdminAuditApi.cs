using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;

namespace Gatehouse.Api.Tests.Admin;

internal static class AdminAuditApi
{
    /// <summary>Registers a user, grants them the admin role (as the CLI does) and signs them in on a client of their own.</summary>
    public static async Task<(HttpClient Client, Guid UserId)> SignInAdminClientAsync(this GatehouseFactory factory)
    {
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("admin");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        await factory.GrantRoleAsync(Roles.Admin, username);
        var userId = await factory.UserIdAsync(username);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
        return (client, userId);
    }
}
