using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Admin;

/// <summary>The admin actions as the console calls them, from an administrator's cookie client.</summary>
internal static class AdminActionsApi
{
    /// <summary>
    /// Gives an existing user a role, in the database (the role made if new). Not through
    /// UserManager.AddToRoleAsync: the user store (Mfa/MfaUserStore, a UserOnlyStore) keeps no roles.
    /// </summary>
    public static async Task GrantAsync(this GatehouseFactory factory, string username, string role = Roles.Admin)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<Role>>();
        if (await roles.FindByNameAsync(role) is null)
        {
            Assert.True((await roles.CreateAsync(new Role(role))).Succeeded);
        }
        var roleId = (await roles.FindByNameAsync(role))!.Id;
        var userId = await db.Users.Where(u => u.UserName == username).Select(u => u.Id).SingleAsync();
        db.UserRoles.Add(new IdentityUserRole<Guid> { UserId = userId, RoleId = roleId });
        await db.SaveChangesAsync();
    }

    /// <summary>A fresh administrator, signed in just now (so recently authenticated) on a cookie client.</summary>
    public static async Task<(HttpClient Client, Guid Id, string Username)> SignedInAdminAsync(this GatehouseFactory factory)
    {
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("admin");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        await factory.GrantAsync(username);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
        return (client, await factory.IdOfAsync(username), username);
    }

    /// <summary>A fresh user (signed up, not signed in) and their id.</summary>
    public static async Task<(string Username, Guid Id)> NewUserAsync(this GatehouseFactory factory)
    {
        var username = TestApi.NewUsername();
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().RegisterAsync(username)).StatusCode);
        return (username, await factory.IdOfAsync(username));
    }

    public static Task<Guid> IdOfAsync(this GatehouseFactory factory, string username) =>
        factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.Id).SingleAsync());

    public static Task<User?> StoredAsync(this GatehouseFactory factory, Guid id) =>
        factory.QueryAsync(db => db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id));

    public static Task<HttpResponseMessage> ActAsync(this HttpClient admin, Guid id, string action) =>
        admin.PostAsJsonAsync($"/admin/users/{id}/{action}", new { });

    /// <summary>The admin audit rows of <paramref name="eventName"/> about <paramref name="userId"/>, oldest first.</summary>
    public static Task<List<AuditEvent>> AdminRowsAsync(this GatehouseFactory factory, string eventName, Guid userId) =>
        factory.QueryAsync(db => db.AuditEvents.AsNoTracking().Where(a => a.Event == eventName && a.UserId == userId).OrderBy(a => a.Id).ToListAsync());

    /// <summary>Asserts the one success row of an admin action names the acting admin.</summary>
    public static async Task AssertAuditedAsync(this GatehouseFactory factory, string eventName, Guid userId, Guid actorId, string outcome = AuditEvents.Success)
    {
        var rows = await factory.AdminRowsAsync(eventName, userId);
        Assert.Contains(rows, r => r.Outcome == outcome && r.ActorId == actorId);
    }
}
