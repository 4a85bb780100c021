using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Tests.Accounts;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Mfa;
using Gatehouse.Api.Users;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Admin;

public sealed class AdminUserActionsTests
{
    [Fact]
    public async Task Lock_refuses_sign_in_from_every_browser_known_ones_too_and_unlock_clears_the_lock_and_the_failure_counts()
    {
        await using var factory = new GatehouseFactory();
        var (admin, adminId, _) = await factory.SignedInAdminAsync();
        var (username, id) = await factory.NewUserAsync();
        // The owner's browser is known to the account (its device cookie), which passes the account's
        // lockout for unknown clients; a stranger has guessed twice.
        var known = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await known.LoginAsync(username)).StatusCode);
        var stranger = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.LoginAsync(username, "wrong password 1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.LoginAsync(username, "wrong password 2")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await known.LoginAsync(username, "wrong password 3")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "lock")).StatusCode);

        // The generic answer: a lock says nothing of itself to whoever tries.
        Assert.Equal("invalid_credentials", await (await known.LoginAsync(username)).CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal("invalid_credentials", await (await factory.CreateClient().LoginAsync(username)).CodeOfAsync(HttpStatusCode.Unauthorized));
        await factory.AssertAuditedAsync(AuditEvents.AdminLock, id, adminId);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "unlock")).StatusCode);

        var stored = await factory.StoredAsync(id);
        Assert.Null(stored!.LockoutEnd);
        Assert.Equal(0, stored.AccessFailedCount);
        Assert.All(await factory.QueryAsync(db => db.KnownDevices.Where(d => d.UserId == id).ToListAsync()), d =>
        {
            Assert.Null(d.LockedUntil);
            Assert.Equal(0, d.FailedCount);
        });
        Assert.Equal(HttpStatusCode.OK, (await known.LoginAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().LoginAsync(username)).StatusCode);
        await factory.AssertAuditedAsync(AuditEvents.AdminUnlock, id, adminId);
    }

    [Fact]
    public async Task Disable_ends_every_session_at_once_and_only_the_right_password_learns_the_account_is_disabled_until_enabled()
    {
        await using var factory = new GatehouseFactory();
        var (admin, adminId, _) = await factory.SignedInAdminAsync();
        var (username, id) = await factory.NewUserAsync();
        var (laptop, laptopRefresh) = await factory.LogInAsync(username);
        var (phone, _) = await factory.LogInAsync(username);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(laptop));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "disable")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(laptop));
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(phone));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(laptopRefresh)).StatusCode);
        Assert.Equal("invalid_credentials", await (await factory.CreateClient().LoginAsync(username, "not the password")).CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal("account_disabled", await (await factory.CreateClient().LoginAsync(username)).CodeOfAsync(HttpStatusCode.Forbidden));
        Assert.NotNull((await factory.StoredAsync(id))!.DisabledAt);
        var row = Assert.Single(await factory.AdminRowsAsync(AuditEvents.AdminDisable, id));
        Assert.Equal((AuditEvents.Success, adminId, "2 sessions"), (row.Outcome, row.ActorId, row.Detail));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "enable")).StatusCode);

        Assert.Null((await factory.StoredAsync(id))!.DisabledAt);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().LoginAsync(username)).StatusCode);
        await factory.AssertAuditedAsync(AuditEvents.AdminEnable, id, adminId);
    }

    [Fact]
    public async Task Require_password_reset_ends_the_sessions_mails_a_link_and_refuses_sign_in_until_the_reset_is_done()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (admin, adminId, _) = await factory.SignedInAdminAsync();
        var (username, id) = await factory.NewUserAsync();
        var (access, _) = await factory.LogInAsync(username);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "require-password-reset")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
        Assert.Equal("invalid_credentials", await (await factory.CreateClient().LoginAsync(username, "not the password")).CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal("password_reset_required", await (await factory.CreateClient().LoginAsync(username)).CodeOfAsync(HttpStatusCode.Forbidden));
        await factory.AssertAuditedAsync(AuditEvents.AdminRequirePasswordReset, id, adminId);
        var mail = await sink.WaitForAsync(TestApi.EmailFor(username), m => (m.Subject ?? "").EndsWith("Choose a new password", StringComparison.Ordinal));
        Assert.Contains(username, mail.TextBody);

        var reset = await factory.CreateClient().ResetAsync(SmtpSink.TokenFrom(mail));

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.False((await factory.StoredAsync(id))!.PasswordResetRequired);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().LoginAsync(username, RecoveryApi.NewPassword)).StatusCode);
    }

    [Fact]
    public async Task Require_password_reset_of_an_account_without_an_address_is_refused_with_no_email_and_changes_nothing()
    {
        await using var factory = new GatehouseFactory().With("Gatehouse:Accounts:RequireEmail", "false");
        var (admin, adminId, _) = await factory.SignedInAdminAsync();
        var username = TestApi.NewUsername();
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().PostAsJsonAsync("/auth/register", new { username, password = TestApi.StrongPassword })).StatusCode);
        var id = await factory.IdOfAsync(username);
        var (access, _) = await factory.LogInAsync(username);

        var refused = await admin.ActAsync(id, "require-password-reset");

        Assert.Equal("no_email", await refused.CodeOfAsync(HttpStatusCode.Conflict));
        Assert.False((await factory.StoredAsync(id))!.PasswordResetRequired);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));
        await factory.AssertAuditedAsync(AuditEvents.AdminRequirePasswordReset, id, adminId, "no_email");
    }

    [Fact]
    public async Task An_admin_ends_one_session_of_a_user_then_all_of_them_and_another_users_session_is_not_found()
    {
        await using var factory = new GatehouseFactory();
        var (admin, adminId, _) = await factory.SignedInAdminAsync();
        var (username, id) = await factory.NewUserAsync();
        var (laptop, _) = await factory.LogInAsync(username);
        var (phone, _) = await factory.LogInAsync(username);
        var phoneSession = (await factory.SessionsAsync(phone)).Single(s => s.GetProperty("current").GetBoolean()).GetProperty("id").GetGuid();
        var (_, otherAccess, _) = await factory.SignInAsync();
        var otherSession = (await factory.SessionsAsync(otherAccess)).Single().GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/admin/users/{id}/sessions/{phoneSession}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(phone));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(laptop));
        var row = Assert.Single(await factory.AdminRowsAsync(AuditEvents.AdminRevokeSession, id));
        Assert.Equal((adminId, phoneSession), (row.ActorId, row.SessionId));
        Assert.Equal("session_not_found", await (await admin.DeleteAsync($"/admin/users/{id}/sessions/{phoneSession}")).CodeOfAsync(HttpStatusCode.NotFound));
        Assert.Equal("session_not_found", await (await admin.DeleteAsync($"/admin/users/{id}/sessions/{otherSession}")).CodeOfAsync(HttpStatusCode.NotFound));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(otherAccess));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/admin/users/{id}/sessions")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(laptop));
        await factory.AssertAuditedAsync(AuditEvents.AdminRevokeSessions, id, adminId);
    }

    [Fact]
    public async Task A_granted_role_shows_in_the_users_next_token_and_a_revoked_one_is_gone_from_it()
    {
        await using var factory = new GatehouseFactory();
        var (admin, adminId, _) = await factory.SignedInAdminAsync();
        var (username, id) = await factory.NewUserAsync();
        var user = factory.CreateClient();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/admin/users/{id}/roles/editor", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PutAsync($"/admin/users/{id}/roles/editor", null)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await user.LoginAsync(username)).StatusCode);
        Assert.Equal(["editor"], await RolesAsync(user));
        var granted = await factory.AdminRowsAsync(AuditEvents.RoleGranted, id);
        Assert.Equal([(AuditEvents.Success, adminId, "editor"), (AuditEvents.Unchanged, adminId, "editor")],
            granted.Select(r => (r.Outcome, r.ActorId, r.Detail)).ToArray());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/admin/users/{id}/roles/editor")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await user.PostAsync("/auth/refresh", null)).StatusCode);
        Assert.Empty(await RolesAsync(user));
        var revoked = Assert.Single(await factory.AdminRowsAsync(AuditEvents.RoleRevoked, id));
        Assert.Equal((AuditEvents.Success, adminId, "editor"), (revoked.Outcome, revoked.ActorId, revoked.Detail));
    }

    [Theory]
    [InlineData("Editor")]
    [InlineData("two%20words")]
    [InlineData("r%C3%B4le")]
    public async Task A_role_name_outside_the_rules_is_refused_with_role_invalid(string role)
    {
        await using var factory = new GatehouseFactory();
        var (admin, _, _) = await factory.SignedInAdminAsync();
        var (_, id) = await factory.NewUserAsync();

        Assert.Equal("role_invalid", await (await admin.PutAsync($"/admin/users/{id}/roles/{role}", null)).CodeOfAsync(HttpStatusCode.BadRequest));
        Assert.Equal("role_invalid", await (await admin.DeleteAsync($"/admin/users/{id}/roles/{role}")).CodeOfAsync(HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task The_last_admin_cannot_be_demoted_disabled_locked_or_deleted_until_there_is_another()
    {
        await using var factory = new GatehouseFactory();
        var (admin, adminId, _) = await factory.SignedInAdminAsync();
        // Whatever else the database holds (a demo admin), this one is the only admin.
        await factory.QueryAsync(db => db.UserRoles.Where(ur => ur.RoleId == Roles.AdminId && ur.UserId != adminId).ExecuteDeleteAsync());

        Assert.Equal("last_admin", await (await admin.DeleteAsync($"/admin/users/{adminId}/roles/admin")).CodeOfAsync(HttpStatusCode.Conflict));
        Assert.Equal("last_admin", await (await admin.ActAsync(adminId, "disable")).CodeOfAsync(HttpStatusCode.Conflict));
        Assert.Equal("last_admin", await (await admin.ActAsync(adminId, "lock")).CodeOfAsync(HttpStatusCode.Conflict));
        Assert.Equal("last_admin", await (await admin.DeleteAsync($"/admin/users/{adminId}")).CodeOfAsync(HttpStatusCode.Conflict));
        Assert.Equal("last_admin", await (await admin.DeleteAsync("/auth/account")).CodeOfAsync(HttpStatusCode.Conflict));
        var stored = await factory.StoredAsync(adminId);
        Assert.Equal((null, null), (stored!.DisabledAt, stored.LockoutEnd));
        await factory.AssertAuditedAsync(AuditEvents.RoleRevoked, adminId, adminId, "last_admin");
        // Another admin who is disabled cannot act either: still the last one.
        var (other, otherId) = await factory.NewUserAsync();
        await factory.GrantAsync(other);
        await factory.QueryAsync(db => db.Users.Where(u => u.Id == otherId).ExecuteUpdateAsync(set => set.SetProperty(u => u.DisabledAt, DateTime.UtcNow)));
        Assert.Equal("last_admin", await (await admin.DeleteAsync($"/admin/users/{adminId}/roles/admin")).CodeOfAsync(HttpStatusCode.Conflict));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(otherId, "enable")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/admin/users/{adminId}/roles/admin")).StatusCode);

        Assert.Empty(await factory.QueryAsync(db => db.UserRoles.Where(ur => ur.UserId == adminId).ToListAsync()));
    }

    [Fact]
    public async Task The_destructive_actions_need_a_recent_authentication_and_lock_does_not()
    {
        await using var factory = new GatehouseFactory();
        var (admin, _, _) = await factory.SignedInAdminAsync();
        var (_, id) = await factory.NewUserAsync();
        factory.Time.Advance(TimeSpan.FromMinutes(11));
        // A new access token from the refresh token: the session's authentication stays 11 minutes old.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/auth/refresh", null)).StatusCode);

        foreach (var response in new[]
        {
            await admin.ActAsync(id, "disable"),
            await admin.ActAsync(id, "require-password-reset"),
            await admin.DeleteAsync($"/admin/users/{id}/sessions"),
            await admin.PutAsync($"/admin/users/{id}/roles/editor", null),
            await admin.DeleteAsync($"/admin/users/{id}/roles/editor"),
            await admin.DeleteAsync($"/admin/users/{id}"),
        })
        {
            Assert.Equal("reauthentication_required", await response.CodeOfAsync(HttpStatusCode.Forbidden));
        }
        var stored = await factory.StoredAsync(id);
        Assert.Equal((null, false), (stored!.DisabledAt, stored.PasswordResetRequired));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "lock")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/auth/reauthenticate", new { password = TestApi.StrongPassword })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "disable")).StatusCode);
    }

    public static TheoryData<string, string> Actions => new()
    {
        { "POST", "lock" }, { "POST", "unlock" }, { "POST", "disable" }, { "POST", "enable" }, { "POST", "require-password-reset" },
        { "DELETE", "sessions" }, { "DELETE", $"sessions/{Guid.NewGuid()}" }, { "PUT", "roles/editor" }, { "DELETE", "roles/editor" }, { "DELETE", "" },
    };

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Every_action_answers_401_signed_out_403_to_a_non_admin_and_404_user_not_found_for_an_unknown_id(string method, string action)
    {
        await using var factory = new GatehouseFactory();
        var (admin, _, _) = await factory.SignedInAdminAsync();
        var (username, id) = await factory.NewUserAsync();
        var user = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await user.LoginAsync(username)).StatusCode);
        HttpRequestMessage Request(Guid target) => new(new HttpMethod(method), $"/admin/users/{target}/{action}".TrimEnd('/')) { Content = JsonContent.Create(new { }) };

        await (await factory.CreateClient().SendAsync(Request(id))).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await user.SendAsync(Request(id))).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("user_not_found", await (await admin.SendAsync(Request(Guid.NewGuid()))).CodeOfAsync(HttpStatusCode.NotFound));
        Assert.Empty(await factory.QueryAsync(db => db.AuditEvents.Where(a => a.UserId == id && a.ActorId != null).ToListAsync()));
    }

    [Theory]
    [InlineData("/admin/users/not-a-guid/lock")]
    [InlineData("/admin/users/00000000-0000-0000-0000-00000000000x/disable")]
    [InlineData("/admin/users/12345/unlock")]
    public async Task A_malformed_user_id_is_a_404_problem_not_an_error(string path)
    {
        await using var factory = new GatehouseFactory();
        var (admin, _, _) = await factory.SignedInAdminAsync();

        await (await admin.PostAsJsonAsync(path, new { })).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_actions_are_rate_limited_per_client_and_refused_from_a_foreign_origin()
    {
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:Admin:PerIp", "2")
            .With("Gatehouse:RateLimits:Admin:PerUser", "2")
            .With("Gatehouse:RateLimits:Admin:Window", "00:01:00");
        var (admin, _, _) = await factory.SignedInAdminAsync();
        var (_, id) = await factory.NewUserAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "lock")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "unlock")).StatusCode);
        Assert.Equal("rate_limited", await (await admin.ActAsync(id, "lock")).CodeOfAsync(HttpStatusCode.TooManyRequests));

        factory.Time.Advance(TimeSpan.FromMinutes(1));
        admin.DefaultRequestHeaders.Remove("Origin");
        admin.DefaultRequestHeaders.Add("Origin", "https://evil.example");
        await (await admin.ActAsync(id, "lock")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Null((await factory.StoredAsync(id))!.LockoutEnd);
    }

    private static async Task<string[]> RolesAsync(HttpClient client) =>
        (await (await client.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK)).GetProperty("roles").EnumerateArray().Select(r => r.GetString()!).ToArray();
}
