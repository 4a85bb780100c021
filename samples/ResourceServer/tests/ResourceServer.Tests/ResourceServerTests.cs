using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using ResourceServer.Reports;

namespace ResourceServer.Tests;

/// <summary>One Gatehouse API process for the class; each test starts the sample in memory against it.</summary>
public sealed class GatehouseFixture : IAsyncLifetime
{
    public GatehouseApi Api { get; private set; } = null!;

    public async Task InitializeAsync() => Api = await GatehouseApi.StartAsync();

    public async Task DisposeAsync() => await Api.DisposeAsync();
}

public sealed class ResourceServerTests(GatehouseFixture gatehouse) : IClassFixture<GatehouseFixture>, IAsyncLifetime
{
    private readonly SampleServer _sample = new(gatehouse.Api.Url);

    public Task InitializeAsync() => _sample.WaitUntilFreshAsync();

    public async Task DisposeAsync() => await _sample.DisposeAsync();

    [Fact]
    public async Task A_token_Gatehouse_issued_at_log_in_is_accepted_in_the_Authorization_header_and_names_the_user()
    {
        var session = await gatehouse.Api.LogInAsync();

        var response = await _sample.GetWithTokenAsync("/api/me", session.AccessToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = await response.Content.ReadFromJsonAsync<ReportsApi.Caller>();
        Assert.Equal("john", caller!.Username);
        Assert.True(Guid.TryParse(caller.UserId, out _));
        Assert.True(Guid.TryParse(caller.SessionId, out _));
        Assert.Equal(["admin"], caller.Roles); // the demo user john is an admin in Development; his token says so
    }

    [Fact]
    public async Task The_access_token_cookie_is_accepted_on_GET_but_not_on_a_state_changing_request()
    {
        var session = await gatehouse.Api.LogInAsync();
        var client = _sample.CreateClient();

        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        get.Headers.Add("Cookie", $"access_token={session.AccessToken}");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(get)).StatusCode);

        // A cross-site page can make the browser send the cookie with a POST; only the header counts there.
        var report = new ReportsApi.NewReport("Cookie-only");
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(report) };
        post.Headers.Add("Cookie", $"access_token={session.AccessToken}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(post)).StatusCode);

        using var withHeader = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(report) };
        withHeader.Headers.Authorization = new("Bearer", session.AccessToken);
        var created = await client.SendAsync(withHeader);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("john", (await created.Content.ReadFromJsonAsync<ReportsApi.Report>())!.Owner);
    }

    [Fact]
    public async Task A_request_without_a_token_is_refused_with_401_and_a_problem()
    {
        var response = await _sample.CreateClient().GetAsync("/api/me");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_token_signed_with_Gatehouses_key_is_accepted_but_an_expired_one_is_refused()
    {
        var keyId = await gatehouse.Api.KeyIdAsync();
        var valid = SampleServer.Mint(gatehouse.Api.SigningKey, keyId, DateTime.UtcNow.AddMinutes(5));
        // Expired longer ago than the 30 s clock skew.
        var expired = SampleServer.Mint(gatehouse.Api.SigningKey, keyId, DateTime.UtcNow.AddMinutes(-1));

        Assert.Equal(HttpStatusCode.OK, (await _sample.GetWithTokenAsync("/api/me", valid)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _sample.GetWithTokenAsync("/api/me", expired)).StatusCode);
    }

    [Fact]
    public async Task A_forged_token_is_refused_whether_signed_by_another_key_or_made_for_another_audience()
    {
        var keyId = await gatehouse.Api.KeyIdAsync();
        using var attackersKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherKey = SampleServer.Mint(attackersKey, keyId, DateTime.UtcNow.AddMinutes(5));
        var otherAudience = SampleServer.Mint(gatehouse.Api.SigningKey, keyId, DateTime.UtcNow.AddMinutes(5), audience: "some-other-api");
        var session = await gatehouse.Api.LogInAsync();
        var tampered = session.AccessToken[..^4] + (session.AccessToken.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        Assert.Equal(HttpStatusCode.Unauthorized, (await _sample.GetWithTokenAsync("/api/me", otherKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _sample.GetWithTokenAsync("/api/me", otherAudience)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _sample.GetWithTokenAsync("/api/me", tampered)).StatusCode);
    }

    [Fact]
    public async Task A_session_logged_out_at_Gatehouse_is_refused_within_the_poll_interval_while_its_token_is_unexpired()
    {
        var session = await gatehouse.Api.LogInAsync();
        var other = await gatehouse.Api.LogInAsync();
        Assert.Equal(HttpStatusCode.OK, (await _sample.GetWithTokenAsync("/api/me", session.AccessToken)).StatusCode);

        await session.LogOutAsync();

        // Poll interval 0.2 s here (1 s by default); 3 s is room for a slow machine, not the expectation.
        Assert.True(await _sample.AnswersWithinAsync("/api/me", session.AccessToken, HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(3)),
            "The revoked session's token was still accepted after 3 s.");
        // Only that session: the same user's other session goes on.
        Assert.Equal(HttpStatusCode.OK, (await _sample.GetWithTokenAsync("/api/me", other.AccessToken)).StatusCode);
    }

    [Fact]
    public async Task A_route_that_needs_a_role_refuses_a_user_without_it_and_accepts_a_token_whose_role_claims_include_it()
    {
        var reader = await gatehouse.Api.SignUpAndLogInAsync(); // a new user: no roles
        var admin = await gatehouse.Api.LogInAsync(); // john, an admin in Development (Gatehouse's role claims)
        var keyId = await gatehouse.Api.KeyIdAsync();
        var staff = SampleServer.Mint(gatehouse.Api.SigningKey, keyId, DateTime.UtcNow.AddMinutes(5), roles: ["admin", "staff"]);

        Assert.Equal(HttpStatusCode.Forbidden, (await _sample.GetWithTokenAsync("/api/reports", reader.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _sample.GetWithTokenAsync("/api/reports", admin.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _sample.GetWithTokenAsync("/api/reports", staff)).StatusCode);
        var caller = await (await _sample.GetWithTokenAsync("/api/me", staff)).Content.ReadFromJsonAsync<ReportsApi.Caller>();
        Assert.Equal(["admin", "staff"], caller!.Roles);
    }

    [Fact]
    public async Task A_route_that_needs_a_second_factor_refuses_a_password_only_sign_in_and_accepts_a_token_whose_amr_includes_mfa()
    {
        var session = await gatehouse.Api.LogInAsync(); // the demo user has no second factor: amr ["pwd"]
        var keyId = await gatehouse.Api.KeyIdAsync();
        var withCode = SampleServer.Mint(gatehouse.Api.SigningKey, keyId, DateTime.UtcNow.AddMinutes(5), amr: ["pwd", "otp", "mfa"]);
        var passwordOnly = SampleServer.Mint(gatehouse.Api.SigningKey, keyId, DateTime.UtcNow.AddMinutes(5), amr: ["pwd"]);

        Assert.Equal(HttpStatusCode.Forbidden, (await _sample.GetWithTokenAsync("/api/reports/export", session.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _sample.GetWithTokenAsync("/api/reports/export", passwordOnly)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _sample.GetWithTokenAsync("/api/reports/export", withCode)).StatusCode);
        // The same token passes the routes that need no second factor.
        Assert.Equal(HttpStatusCode.OK, (await _sample.GetWithTokenAsync("/api/reports/mine", session.AccessToken)).StatusCode);
    }
}

/// <summary>Fail closed: with the feed out of reach the sample cannot know of revocations, so it takes no token.</summary>
public sealed class StaleFeedTests
{
    [Fact]
    public async Task When_the_revocation_feed_cannot_be_read_tokens_are_refused_with_503_not_accepted()
    {
        var gatehouse = await GatehouseApi.StartAsync();
        await using var sample = new SampleServer(gatehouse.Url);
        try
        {
            await sample.WaitUntilFreshAsync();
            var session = await gatehouse.LogInAsync();
            Assert.Equal(HttpStatusCode.OK, (await sample.GetWithTokenAsync("/api/me", session.AccessToken)).StatusCode);

            await gatehouse.DisposeAsync(); // Gatehouse is gone; the token is still unexpired and well signed

            // StaleAfter is 2 s here (5 s by default).
            Assert.True(await sample.AnswersWithinAsync("/api/me", session.AccessToken, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5)),
                "A token was still accepted 5 s after the revocation feed went away.");
            var response = await sample.GetWithTokenAsync("/api/me", session.AccessToken);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
        }
        finally
        {
            await gatehouse.DisposeAsync();
        }
    }
}
