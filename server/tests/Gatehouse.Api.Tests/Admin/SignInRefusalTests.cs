using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Mfa;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Admin;

/// <summary>The one rule (Users/AccountStanding): a disabled account, or one owing a new password, gets in by no way.</summary>
public sealed class SignInRefusalTests
{
    [Fact]
    public async Task Disabling_voids_a_pending_second_factor_and_the_next_right_password_learns_account_disabled_before_any_code()
    {
        await using var factory = new GatehouseFactory();
        var (admin, _, _) = await factory.SignedInAdminAsync();
        var (username, id) = await factory.NewUserAsync();
        var key = await factory.EnrollAsync(username);
        var browser = factory.CreateClient();
        Assert.True((await (await browser.LoginAsync(username)).JsonAsync(HttpStatusCode.OK)).GetProperty("mfaRequired").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.ActAsync(id, "disable")).StatusCode);

        var code = await browser.PostAsJsonAsync("/auth/login/mfa", new { code = factory.Code(key) });
        Assert.Equal("mfa_pending_invalid", await code.CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal("invalid_credentials", await (await browser.LoginAsync(username, "not the password")).CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal("account_disabled", await (await browser.LoginAsync(username)).CodeOfAsync(HttpStatusCode.Forbidden));
        Assert.Empty(await factory.QueryAsync(db => db.Sessions.Where(s => s.UserId == id && s.RevokedAt == null).ToListAsync()));
    }

    [Fact]
    public async Task A_hold_set_in_the_database_without_a_new_stamp_is_still_refused_at_the_second_factor()
    {
        await using var factory = new GatehouseFactory();
        var (username, id) = await factory.NewUserAsync();
        var key = await factory.EnrollAsync(username);
        var browser = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await browser.LoginAsync(username)).StatusCode);
        await factory.QueryAsync(db => db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(set => set.SetProperty(u => u.PasswordResetRequired, true)));

        var code = await browser.PostAsJsonAsync("/auth/login/mfa", new { code = factory.Code(key) });

        Assert.Equal("password_reset_required", await code.CodeOfAsync(HttpStatusCode.Forbidden));
        Assert.Empty(await factory.QueryAsync(db => db.Sessions.Where(s => s.UserId == id).ToListAsync()));
        Assert.Contains(await factory.AdminRowsAsync(AuditEvents.SecondFactor, id), r => r.Outcome == "password_reset_required");
    }

    [Fact]
    public async Task A_step_up_on_a_disabled_account_is_refused_with_account_disabled_even_with_the_right_password()
    {
        await using var factory = new GatehouseFactory();
        var (username, id) = await factory.NewUserAsync();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
        // Set by hand, so that the session is still live (the admin action would have ended it).
        await factory.QueryAsync(db => db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(set => set.SetProperty(u => u.DisabledAt, DateTime.UtcNow)));

        var wrong = await client.PostAsJsonAsync("/auth/reauthenticate", new { password = "not the password" });
        var right = await client.PostAsJsonAsync("/auth/reauthenticate", new { password = TestApi.StrongPassword });

        Assert.Equal("invalid_credentials", await wrong.CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal("account_disabled", await right.CodeOfAsync(HttpStatusCode.Forbidden));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_last_step_of_every_sign_in_starts_no_session_for_a_held_account_whichever_path_called_it(bool readBeforeTheHold)
    {
        await using var factory = new GatehouseFactory();
        var (username, id) = await factory.NewUserAsync();
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        // A path that read the account before it was disabled (and checked it then), or one that never asked.
        var before = await users.FindByNameAsync(username);
        await factory.QueryAsync(db => db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(set => set.SetProperty(u => u.DisabledAt, DateTime.UtcNow)));
        var user = readBeforeTheHold ? before! : await factory.QueryAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == id));
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };

        var started = await scope.ServiceProvider.GetRequiredService<SignIns>().StartAsync(user, "pwd", device: null, http);

        Assert.False(started);
        Assert.Empty(await factory.QueryAsync(db => db.Sessions.Where(s => s.UserId == id).ToListAsync()));
        Assert.False(http.Response.Headers.ContainsKey("Set-Cookie"));
    }
}
