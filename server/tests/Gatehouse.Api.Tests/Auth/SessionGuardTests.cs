using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Auth;

/// <summary>The guarded routes, and logout that really ends the session.</summary>
public sealed class SessionGuardTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task Is_authenticated_answers_200_with_a_live_session()
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        var response = await client.GetAsync("/auth/is-authenticated");

        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.True(body.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Is_authenticated_answers_401_problem_without_a_cookie()
    {
        var response = await factory.CreateClient().GetAsync("/auth/is-authenticated");

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("unauthenticated", problem.GetProperty("code").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Fact]
    public async Task Me_returns_the_signed_in_user_and_nothing_secret()
    {
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username, email: $"{username}@example.com");
        await client.LoginAsync(username);

        var response = await client.GetAsync("/auth/me");

        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(username, body.GetProperty("username").GetString());
        Assert.Equal($"{username}@example.com", body.GetProperty("email").GetString());
        Assert.True(Guid.TryParse(body.GetProperty("userId").GetString(), out _));
        Assert.Equal(factory.Time.GetUtcNow(), body.GetProperty("createdAt").GetDateTimeOffset());
        Assert.False(body.GetProperty("emailVerified").GetBoolean());
        Assert.Empty(body.GetProperty("roles").EnumerateArray());
        Assert.Equal(6, body.EnumerateObject().Count());
    }

    [Fact]
    public async Task Me_answers_401_without_a_session()
    {
        var response = await factory.CreateClient().GetAsync("/auth/me");

        await response.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_answers_204_and_deletes_the_cookie()
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        var response = await client.PostAsync("/auth/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var cookie = TestApi.AccessTokenCookie(response)!;
        Assert.Equal("", cookie.Value.ToString());
        Assert.True(cookie.Expires < factory.Time.GetUtcNow());
        Assert.True(cookie.HttpOnly);
        Assert.Equal("/", cookie.Path.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/is-authenticated")).StatusCode);
    }

    [Fact]
    public async Task A_token_replayed_after_logout_is_refused()
    {
        var client = factory.CreateClient();
        var (_, token) = await client.SignUpAndLogInAsync();
        var replay = factory.CreateClient(new() { HandleCookies = false });
        Assert.Equal(HttpStatusCode.OK, (await replay.SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token))).StatusCode);

        await client.PostAsync("/auth/logout", null);

        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await replay.SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/is-authenticated", token))).StatusCode);
    }

    [Fact]
    public async Task A_token_replayed_after_logout_is_refused_by_a_fresh_instance_too()
    {
        // The revocation is in the database, not only in this instance's cache.
        var client = factory.CreateClient();
        var (_, token) = await client.SignUpAndLogInAsync();
        await client.PostAsync("/auth/logout", null);

        using var restarted = GatehouseFactory.OnDirectory(factory.DataDirectory);
        var response = await restarted.CreateClient().SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Logout_ends_only_its_own_session()
    {
        var laptop = factory.CreateClient();
        var phone = factory.CreateClient();
        var (username, _) = await laptop.SignUpAndLogInAsync();
        await phone.LoginAsync(username);

        await laptop.PostAsync("/auth/logout", null);

        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Logout_without_a_session_still_answers_204_and_clears_the_cookie()
    {
        var response = await factory.CreateClient().PostAsync("/auth/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("", TestApi.AccessTokenCookie(response)!.Value.ToString());
    }

    [Fact]
    public async Task Logout_twice_is_harmless()
    {
        var client = factory.CreateClient(new() { HandleCookies = false });
        var login = factory.CreateClient();
        var (_, token) = await login.SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(TestApi.WithToken(HttpMethod.Post, "/auth/logout", token))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(TestApi.WithToken(HttpMethod.Post, "/auth/logout", token))).StatusCode);
    }
}
