using System.Net;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Admin;

/// <summary><c>GET /admin/users/{id}</c>: one account in full, its read audited.</summary>
public sealed class AdminUserDetailTests
{
    [Fact]
    public async Task The_detail_has_the_profile_factors_logins_live_sessions_and_recent_events()
    {
        using var factory = new GatehouseFactory();
        var (adminId, admin) = await factory.SignInAdminAsync();
        var (username, _, _) = await factory.SignInAsync();
        var (second, _) = await factory.LogInAsync(username);
        // One session ended: only the live one is listed.
        var sessions = await factory.SessionsAsync(second);
        var ended = sessions.Single(s => !s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await factory.SendAsync(HttpMethod.Delete, $"/auth/sessions/{ended}", second)).StatusCode);
        await factory.EnrollAsync(username);
        var userId = await factory.UserIdAsync(username);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var user = (await users.FindByIdAsync(userId.ToString()))!;
            Assert.True((await users.AddLoginAsync(user, new UserLoginInfo("local", "provider-key-1", "Local provider"))).Succeeded);
            Assert.NotNull(await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10));
        }

        var detail = await (await factory.GetAsAsync($"/admin/users/{userId}", admin)).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(
            ["user", "lockoutEnd", "passwordResetRequired", "hasPassword", "factors", "logins", "sessions", "recentEvents"],
            detail.EnumerateObject().Select(p => p.Name));
        Assert.Equal(username, detail.GetProperty("user").GetProperty("username").GetString());
        Assert.True(detail.GetProperty("user").GetProperty("mfa").GetBoolean());
        Assert.True(detail.GetProperty("hasPassword").GetBoolean());
        Assert.False(detail.GetProperty("passwordResetRequired").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, detail.GetProperty("lockoutEnd").ValueKind);
        var factors = detail.GetProperty("factors");
        Assert.True(factors.GetProperty("totp").GetBoolean());
        Assert.Equal(0, factors.GetProperty("passkeys").GetInt32());
        Assert.Equal(10, factors.GetProperty("recoveryCodesRemaining").GetInt32());
        var login = Assert.Single(detail.GetProperty("logins").EnumerateArray());
        Assert.Equal("local", login.GetProperty("provider").GetString());
        Assert.Equal("Local provider", login.GetProperty("displayName").GetString());
        Assert.DoesNotContain("provider-key-1", detail.GetRawText(), StringComparison.Ordinal);
        var session = Assert.Single(detail.GetProperty("sessions").EnumerateArray());
        Assert.NotEqual(ended, session.GetProperty("id").GetGuid());
        Assert.False(session.GetProperty("current").GetBoolean());
        Assert.True(session.TryGetProperty("lastSeenAt", out _));
        var events = detail.GetProperty("recentEvents").EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("event").GetString() == AuditEvents.SignIn && e.GetProperty("userId").GetGuid() == userId);
        Assert.Contains(events, e => e.GetProperty("event").GetString() == AuditEvents.SessionRevoked);
        Assert.Equal(
            ["id", "at", "event", "outcome", "userId", "actorId", "sessionId", "ipAddress", "userAgent", "detail"],
            events[0].EnumerateObject().Select(p => p.Name));
        // Newest first.
        Assert.Equal(events.Select(e => e.GetProperty("id").GetInt64()).OrderDescending(), events.Select(e => e.GetProperty("id").GetInt64()));

        var viewed = await factory.QueryAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.Event == AuditEvents.AdminUserViewed));
        Assert.Equal(userId, viewed.UserId);
        Assert.Equal(adminId, viewed.ActorId);
        Assert.Equal(AuditEvents.Success, viewed.Outcome);
    }

    [Fact]
    public async Task Recent_events_are_the_last_twenty_newest_first()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        var user = await factory.SeedUserAsync("many_events");
        await factory.QueryAsync(async db =>
        {
            for (var i = 0; i < 25; i++)
            {
                db.AuditEvents.Add(new AuditEvent { At = factory.Time.GetUtcNow().AddSeconds(i), Event = "refresh", Outcome = $"n{i}", UserId = user.Id });
            }
            return await db.SaveChangesAsync();
        });

        var detail = await (await factory.GetAsAsync($"/admin/users/{user.Id}", admin)).JsonAsync(HttpStatusCode.OK);

        var outcomes = detail.GetProperty("recentEvents").EnumerateArray().Select(e => e.GetProperty("outcome").GetString()).ToList();
        Assert.Equal(Enumerable.Range(5, 20).Reverse().Select(i => $"n{i}"), outcomes);
    }

    [Theory]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("not-a-guid")]
    public async Task An_unknown_user_is_a_404_user_not_found_and_nothing_is_audited(string id)
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();

        var problem = await (await factory.GetAsAsync($"/admin/users/{id}", admin)).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal("user_not_found", problem.GetProperty("code").GetString());
        Assert.False(await factory.QueryAsync(db => db.AuditEvents.AnyAsync(e => e.Event == AuditEvents.AdminUserViewed)));
    }

    [Fact]
    public async Task The_list_is_not_audited_per_read_but_the_detail_is()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        var before = await factory.QueryAsync(db => db.AuditEvents.CountAsync());

        Assert.Equal(HttpStatusCode.OK, (await factory.GetAsAsync("/admin/users", admin)).StatusCode);

        Assert.Equal(before, await factory.QueryAsync(db => db.AuditEvents.CountAsync()));
    }
}
