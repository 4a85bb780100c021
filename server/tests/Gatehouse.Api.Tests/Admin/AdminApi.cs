using System.Net;
using System.Text.Json;
using Gatehouse.Api.Admin;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Admin;

/// <summary>The admin API and the role commands as an operator and an admin use them.</summary>
internal static class AdminApi
{
    /// <summary>Runs what <c>--grant-role</c> runs, on the factory's services and clock; returns what it printed.</summary>
    public static async Task<string> GrantRoleAsync(this GatehouseFactory factory, string role, string user)
    {
        var output = new StringWriter();
        await RoleCommands.GrantAsync(factory.Services, role, user, output, CancellationToken.None);
        return output.ToString();
    }

    /// <summary>Runs what <c>--revoke-role</c> runs; returns what it printed.</summary>
    public static async Task<string> RevokeRoleAsync(this GatehouseFactory factory, string role, string user)
    {
        var output = new StringWriter();
        await RoleCommands.RevokeAsync(factory.Services, role, user, output, CancellationToken.None);
        return output.ToString();
    }

    /// <summary>A fresh user made an admin from the command line, then signed in: their id and access token.</summary>
    public static async Task<(Guid Id, string Access)> SignInAdminAsync(this GatehouseFactory factory)
    {
        var username = TestApi.NewUsername("admin");
        Assert.Equal(HttpStatusCode.Created, (await factory.Bare().RegisterAsync(username)).StatusCode);
        await factory.GrantRoleAsync(Roles.Admin, username);
        var (access, _) = await factory.LogInAsync(username);
        return (await factory.UserIdAsync(username), access);
    }

    public static Task<Guid> UserIdAsync(this GatehouseFactory factory, string username) =>
        factory.QueryAsync(db => Task.FromResult(db.Users.Single(u => u.UserName == username).Id));

    /// <summary>
    /// An account written straight through Identity (no password, no hashing: fast), for searches;
    /// <paramref name="configure"/> sets its states before it is saved.
    /// </summary>
    public static async Task<User> SeedUserAsync(this GatehouseFactory factory, string username, string? email = null, Action<User>? configure = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = new User { UserName = username, Email = email ?? $"{username}@example.com", EmailConfirmed = true, CreatedAt = factory.Time.GetUtcNow() };
        configure?.Invoke(user);
        var result = await users.CreateAsync(user);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        return user;
    }

    /// <summary>Many accounts in one insert (as the benchmark seeds them), named <paramref name="prefix"/>0000, 0001, …</summary>
    public static async Task SeedManyAsync(this GatehouseFactory factory, string prefix, int count, Action<User, int>? configure = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        for (var i = 0; i < count; i++)
        {
            var name = $"{prefix}{i:D4}";
            var user = new User
            {
                Id = Guid.NewGuid(), UserName = name, NormalizedUserName = name.ToUpperInvariant(),
                Email = $"{name}@example.com", NormalizedEmail = $"{name}@example.com".ToUpperInvariant(), EmailConfirmed = true,
                SecurityStamp = Guid.NewGuid().ToString("N"), ConcurrencyStamp = Guid.NewGuid().ToString(), LockoutEnabled = true,
                CreatedAt = factory.Time.GetUtcNow(),
            };
            configure?.Invoke(user, i);
            db.Users.Add(user);
        }
        await db.SaveChangesAsync();
    }

    public static Task<HttpResponseMessage> GetAsAsync(this GatehouseFactory factory, string path, string access) =>
        factory.SendAsync(HttpMethod.Get, path, access);

    /// <summary>The usernames of a <c>GET /admin/users</c> answer, in order.</summary>
    public static string[] Usernames(JsonElement page) =>
        page.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("username").GetString()!).ToArray();

    /// <summary>Every page of a search, following nextCursor; the usernames in order.</summary>
    public static async Task<(List<string> Usernames, int Pages)> AllPagesAsync(this GatehouseFactory factory, string access, string query)
    {
        var names = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var path = "/admin/users?" + query + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await (await factory.GetAsAsync(path, access)).JsonAsync(HttpStatusCode.OK);
            names.AddRange(Usernames(page));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
            Assert.True(pages < 1000, "paging never ended");
        }
        while (cursor is not null);
        return (names, pages);
    }
}
