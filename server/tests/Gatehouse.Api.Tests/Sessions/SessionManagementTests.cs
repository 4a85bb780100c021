using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Sessions;

/// <summary>Listing and revoking sessions, signing out everywhere, and changing the password.</summary>
public sealed class SessionManagementTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task Sessions_lists_each_device_newest_first_and_marks_the_current_one()
    {
        var (username, laptop, _) = await factory.SignInAsync();
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var phone = (await factory.LogInAsync(username)).Access;

        var sessions = await factory.SessionsAsync(laptop);

        Assert.Equal(2, sessions.Length);
        Assert.Equal(Sid(phone), sessions[0].GetProperty("id").GetString());
        Assert.Equal(Sid(laptop), sessions[1].GetProperty("id").GetString());
        Assert.False(sessions[0].GetProperty("current").GetBoolean());
        Assert.True(sessions[1].GetProperty("current").GetBoolean());
        Assert.Equal(
            ["createdAt", "current", "id", "ipAddress", "lastUsedAt", "userAgent"],
            sessions[0].EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task Revoking_a_session_ends_its_access_and_refresh_tokens_at_once()
    {
        var (username, laptop, _) = await factory.SignInAsync();
        var (phone, phoneRefresh) = await factory.LogInAsync(username);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(phone));

        var response = await factory.SendAsync(HttpMethod.Delete, $"/auth/sessions/{Sid(phone)}", laptop);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(TestApi.AccessTokenCookie(response)); // not the caller's own session: its cookies stay
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(phone));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(phoneRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(laptop));
        Assert.Single(await factory.SessionsAsync(laptop));
    }

    [Fact]
    public async Task Revoking_the_current_session_also_deletes_its_cookies()
    {
        var (_, access, _) = await factory.SignInAsync();

        var response = await factory.SendAsync(HttpMethod.Delete, $"/auth/sessions/{Sid(access)}", access);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("", TestApi.AccessTokenCookie(response)!.Value.ToString());
        Assert.Equal("", TestApi.RefreshTokenCookie(response)!.Value.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
    }

    [Fact]
    public async Task Another_users_session_cannot_be_revoked_and_is_not_revealed()
    {
        var (_, mine, _) = await factory.SignInAsync();
        var (_, theirs, _) = await factory.SignInAsync();

        var response = await factory.SendAsync(HttpMethod.Delete, $"/auth/sessions/{Sid(theirs)}", mine);
        var unknown = await factory.SendAsync(HttpMethod.Delete, $"/auth/sessions/{Guid.NewGuid()}", mine);

        Assert.Equal("session_not_found", (await response.ProblemAsync(HttpStatusCode.NotFound)).GetProperty("code").GetString());
        Assert.Equal("session_not_found", (await unknown.ProblemAsync(HttpStatusCode.NotFound)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(theirs));
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_including_this_one()
    {
        var (username, laptop, laptopRefresh) = await factory.SignInAsync();
        var (phone, _) = await factory.LogInAsync(username);
        var (_, other, _) = await factory.SignInAsync();

        var response = await factory.SendAsync(HttpMethod.Post, "/auth/logout-all", laptop);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("", TestApi.AccessTokenCookie(response)!.Value.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(laptop));
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(phone));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(laptopRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(other)); // another user is untouched
    }

    [Fact]
    public async Task Changing_the_password_signs_out_every_other_session_at_once()
    {
        var (username, laptop, laptopRefresh) = await factory.SignInAsync();
        var (phone, phoneRefresh) = await factory.LogInAsync(username);
        const string newPassword = "a brand new passphrase";

        var response = await factory.SendAsync(HttpMethod.Post, "/auth/password", laptop,
            new { currentPassword = TestApi.StrongPassword, newPassword });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        // The changer stays signed in on a new session; no token from before the change still works.
        var (renewed, renewedRefresh) = SessionApi.Tokens(response);
        Assert.NotEqual(Sid(laptop), Sid(renewed));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(renewed));
        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshAsync(renewedRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(laptop));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(laptopRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(phone));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(phoneRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Bare().LoginAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().LoginAsync(username, newPassword)).StatusCode);
    }

    [Fact]
    public async Task A_wrong_current_password_changes_nothing()
    {
        var (username, laptop, _) = await factory.SignInAsync();
        var (phone, _) = await factory.LogInAsync(username);

        var response = await factory.SendAsync(HttpMethod.Post, "/auth/password", laptop,
            new { currentPassword = "not my password", newPassword = "a brand new passphrase" });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("current_password_incorrect", problem.GetProperty("codes").GetProperty("currentPassword")[0].GetString());
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(phone));
        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().LoginAsync(username)).StatusCode);
    }

    [Theory]
    [InlineData(null, "a brand new passphrase", "currentPassword", "current_password_required")]
    [InlineData(TestApi.StrongPassword, null, "newPassword", "password_required")]
    [InlineData(TestApi.StrongPassword, "short", "newPassword", "password_length")]
    [InlineData(TestApi.StrongPassword, "password123", "newPassword", "password_common")]
    [InlineData(TestApi.StrongPassword, TestApi.StrongPassword, "newPassword", "password_unchanged")]
    public async Task A_bad_password_change_is_a_400_naming_the_field(string? current, string? next, string field, string code)
    {
        var (_, access, _) = await factory.SignInAsync();

        var response = await factory.SendAsync(HttpMethod.Post, "/auth/password", access, new { currentPassword = current, newPassword = next });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(code, problem.GetProperty("codes").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task Signing_in_again_ends_the_session_the_browser_held()
    {
        var client = factory.CreateClient(); // keeps its cookies, as a browser does
        var (username, old) = await client.SignUpAndLogInAsync();
        var otherDevice = (await factory.LogInAsync(username)).Access;

        var again = await client.LoginAsync(username);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var fresh = TestApi.AccessTokenCookie(again)!.Value.ToString();
        Assert.NotEqual(Sid(old), Sid(fresh));
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(old));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(fresh));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(otherDevice)); // other browsers are untouched
    }

    [Fact]
    public async Task Signing_in_with_only_a_refresh_cookie_also_ends_that_session()
    {
        var username = TestApi.NewUsername();
        await factory.Bare().RegisterAsync(username);
        var first = await factory.Bare().LoginAsync(username);
        var refresh = TestApi.RefreshTokenCookie(first)!.Value.ToString();
        var jar = new BrowserJar();
        jar.Store(first);
        factory.Time.Advance(TimeSpan.FromMinutes(11)); // the access cookie has expired; the refresh cookie has not
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { username, password = TestApi.StrongPassword }),
        };
        request.Headers.Add("Cookie", jar.HeaderFor("/auth/login", expired: "access_token"));

        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().SendAsync(request)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(refresh)).StatusCode);
    }

    [Fact]
    public async Task Session_endpoints_need_a_signed_in_user()
    {
        var client = factory.Bare();

        await (await client.GetAsync("/auth/sessions")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.DeleteAsync($"/auth/sessions/{Guid.NewGuid()}")).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PostAsync("/auth/logout-all", null)).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.PostAsync("/auth/password", null)).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    private static string Sid(string access) => new JsonWebToken(access).GetClaim("sid").Value;
}
