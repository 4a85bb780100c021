using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tests.Admin;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Mfa;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Accounts;

public sealed class AccountDeletionTests
{
    private const string Address = "203.0.113.77";

    /// <summary>
    /// A user with a row in as many tables as a real one would have: two sessions (one refreshed), a
    /// known browser, an authenticator app, a passkey-less second factor's recovery codes, a role, a
    /// linked login and a claim, a reset link and its mail, all from one address and one user agent.
    /// </summary>
    private static async Task<(HttpClient Client, HttpClient Other, string Username, string Email, string UserAgent, Guid Id)> LivedInAccountAsync(GatehouseFactory factory, SmtpSink sink)
    {
        var userAgent = $"DeletionTest/{Guid.NewGuid():N}";
        var client = factory.CreateClientFrom(Address);
        client.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        var username = TestApi.NewUsername("erase");
        var email = RecoveryApi.NewEmail("erase");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username, email: email)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/auth/refresh", null)).StatusCode);
        var other = factory.CreateClientFrom(Address);
        other.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        Assert.Equal(HttpStatusCode.OK, (await other.LoginAsync(username)).StatusCode);
        await factory.EnableTotpAsync(client);
        await factory.GrantAsync(username, "editor");
        var id = await factory.IdOfAsync(username);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var user = (await users.FindByIdAsync(id.ToString()))!;
            Assert.True((await users.AddLoginAsync(user, new UserLoginInfo("local", $"subject-of-{username}", "Local provider"))).Succeeded);
            Assert.True((await users.AddClaimAsync(user, new Claim("nickname", username))).Succeeded);
        }
        Assert.Equal(HttpStatusCode.Accepted, (await client.ForgotAsync(username)).StatusCode);
        await sink.WaitForAsync(email, RecoveryApi.IsResetLink);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/auth/reauthenticate", new { password = TestApi.StrongPassword })).StatusCode);
        return (client, other, username, email, userAgent, id);
    }

    [Fact]
    public async Task Deleting_my_account_clears_my_cookies_ends_every_session_and_leaves_no_personal_data_in_any_table()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink).WithClientAddresses();
        var (client, other, username, email, userAgent, id) = await LivedInAccountAsync(factory, sink);
        var access = (await client.GetAsync("/auth/me")).RequestMessage!.Headers.GetValues("Cookie").Single();
        Assert.Contains(await Tables(factory), t => t.Rows.Any(r => Mentions(r, username)));

        var deleted = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/auth/account") { Content = JsonContent.Create(new { }) });

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        foreach (var name in new[] { "access_token", "refresh_token", "device_token" })
        {
            var cookie = TestApi.Cookie(deleted, name);
            Assert.True(cookie is not null && cookie.Expires < DateTimeOffset.UtcNow, $"{name} is not deleted");
        }
        var replay = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        replay.Headers.Add("Cookie", access);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Bare().SendAsync(replay)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.PostAsync("/auth/refresh", null)).StatusCode);
        Assert.Equal("invalid_credentials", await (await factory.CreateClient().LoginAsync(username)).CodeOfAsync(HttpStatusCode.Unauthorized));
        // The record stays, with the user id only.
        var rows = await factory.QueryAsync(db => db.AuditEvents.AsNoTracking().Where(a => a.UserId == id).ToListAsync());
        Assert.Contains(rows, r => r.Event == AuditEvents.SignIn);
        Assert.Contains(rows, r => r.Event == AuditEvents.AccountDeleted && r.Outcome == AuditEvents.Success && r.ActorId == null);
        Assert.All(rows, r => Assert.Equal((null, null), (r.IpAddress, r.UserAgent)));
        // Nothing else names the person: every table of the database, every column.
        foreach (var needle in new[] { username, email, userAgent, Address, id.ToString() })
        {
            var found = (await Tables(factory))
                .Where(t => t.Name != "AuditEvents" || needle != id.ToString())
                .SelectMany(t => t.Rows.Where(r => Mentions(r, needle)).Select(r => $"{t.Name}: {string.Join(", ", r)}"))
                .ToList();
            Assert.True(found.Count == 0, $"{needle} is still in:\n{string.Join('\n', found)}");
        }
    }

    [Fact]
    public async Task An_admin_deletes_an_account_at_once_audited_with_the_admin_and_the_users_data_goes_as_for_their_own_deletion()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink).WithClientAddresses();
        var (admin, adminId, adminName) = await factory.SignedInAdminAsync();
        var (_, other, username, email, userAgent, id) = await LivedInAccountAsync(factory, sink);
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/auth/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/admin/users/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/auth/me")).StatusCode);
        await factory.AssertAuditedAsync(AuditEvents.AdminDeleteUser, id, adminId);
        Assert.Equal("user_not_found", await (await admin.DeleteAsync($"/admin/users/{id}")).CodeOfAsync(HttpStatusCode.NotFound));
        foreach (var needle in new[] { username, email, userAgent, Address })
        {
            Assert.DoesNotContain(await Tables(factory), t => t.Rows.Any(r => Mentions(r, needle)));
        }
        // The admin is still who they were: their own name stays where it was.
        Assert.NotNull(await factory.QueryAsync(db => db.Users.SingleOrDefaultAsync(u => u.UserName == adminName)));
    }

    [Fact]
    public async Task Deleting_my_account_needs_a_recent_authentication_and_deletes_nothing_without_one()
    {
        await using var factory = new GatehouseFactory();
        var (client, username) = await factory.SignedInAsync();
        factory.Time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/auth/refresh", null)).StatusCode);

        var refused = await client.DeleteAsync("/auth/account");

        Assert.Equal("reauthentication_required", await refused.CodeOfAsync(HttpStatusCode.Forbidden));
        Assert.NotNull(await factory.QueryAsync(db => db.Users.SingleOrDefaultAsync(u => u.UserName == username)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().DeleteAsync("/auth/account")).StatusCode);
    }

    private sealed record Table(string Name, List<string[]> Rows);

    private static bool Mentions(string[] row, string needle) => row.Any(v => v.Contains(needle, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every table the database has (not only those the model knows), each row's values as text.</summary>
    private static Task<List<Table>> Tables(GatehouseFactory factory) => factory.QueryAsync(async db =>
    {
        var sqlite = db.Database.ProviderName!.Contains("Sqlite", StringComparison.Ordinal);
        var names = await db.Database.SqlQueryRaw<string>(sqlite
            ? "SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            : "SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'").ToListAsync();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        var tables = new List<Table>();
        foreach (var name in names)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{name}\"";
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string[]>();
            while (await reader.ReadAsync())
            {
                rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => Text(reader, i)).ToArray());
            }
            tables.Add(new Table(name, rows));
        }
        return tables;
    });

    private static string Text(DbDataReader reader, int column) =>
        reader.IsDBNull(column) ? "" : reader.GetValue(column) switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            var value => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        };
}
