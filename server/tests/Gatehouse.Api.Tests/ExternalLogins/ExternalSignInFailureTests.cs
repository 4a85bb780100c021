using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.DevIdentityProvider;
using IdentityProvider = Gatehouse.DevIdentityProvider.DevIdentityProvider;

namespace Gatehouse.Api.Tests.ExternalLogins;

/// <summary>
/// Everything that can go wrong on the way through the provider ends on the web app's error page with a
/// reason and an audit row: never a 500, never a session, never a secret in the logs.
/// </summary>
public sealed class ExternalSignInFailureTests(LocalProviderFixture fixture) : IClassFixture<LocalProviderFixture>
{
    private GatehouseFactory NewFactory() => ExternalLoginDriver.Configure(new GatehouseFactory(), fixture.Provider);

    private static string ErrorPage(string reason, string provider = "local") =>
        $"http://localhost:3000/auth/external-error?reason={reason}&provider={provider}";

    private static List<string> Failures(GatehouseFactory factory) => factory.Query(db => db.AuditEvents
        .Where(e => e.Event == "external_sign_in_failed").OrderBy(e => e.Id).Select(e => e.Outcome + ":" + e.Detail).ToList());

    [Theory]
    [InlineData("local")]
    [InlineData("github")]
    public async Task A_denied_consent_shows_the_denied_page(string provider)
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());

        var authorization = await driver.StartAsync($"/auth/external/{provider}/start");
        var callback = await driver.CallbackAsync(await ExternalLoginDriver.AuthorizeAsync(authorization, "dev_action=deny"));

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(ErrorPage("denied", provider), callback.Headers.Location!.ToString());
        Assert.Null(TestApi.AccessTokenCookie(callback));
        Assert.Equal([$"denied:{provider}"], Failures(factory));
    }

    [Fact]
    public async Task A_tampered_state_is_refused_as_an_invalid_request()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var redirect = await ExternalLoginDriver.AuthorizeAsync(await driver.StartAsync("/auth/external/local/start"), ExternalPerson.New().Answer());
        var query = ExternalLoginDriver.Query(redirect);

        var tampered = new Uri($"{redirect.GetLeftPart(UriPartial.Path)}?code={Uri.EscapeDataString(query["code"])}&state={Uri.EscapeDataString(query["state"][..^4] + "AAAA")}");
        var callback = await driver.CallbackAsync(tampered);

        Assert.Equal(ErrorPage("invalid_request"), callback.Headers.Location!.ToString());
        Assert.Equal(["invalid_state:local"], Failures(factory));
        Assert.Equal(0, factory.Query(db => db.Users.Count()));
    }

    [Fact]
    public async Task A_callback_without_state_is_refused_as_an_invalid_request()
    {
        using var factory = NewFactory();

        var callback = await factory.CreateClient().GetAsync("/auth/external/local/callback?code=abc");

        Assert.Equal(ErrorPage("invalid_request"), callback.Headers.Location!.ToString());
    }

    [Fact]
    public async Task An_id_token_with_the_wrong_nonce_is_refused()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        fixture.Provider.Knobs.WrongNonce = true;
        try
        {
            var callback = await driver.SignInAsync(ExternalPerson.New());

            Assert.Equal(ErrorPage("invalid_request"), callback.Headers.Location!.ToString());
            Assert.Equal(["invalid_nonce:local"], Failures(factory));
            Assert.Null(TestApi.AccessTokenCookie(callback));
        }
        finally
        {
            fixture.Provider.Knobs.Reset();
        }
    }

    [Fact]
    public async Task A_token_endpoint_error_is_a_failure_page()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        fixture.Provider.Knobs.TokenError = "invalid_grant";
        try
        {
            var callback = await driver.SignInAsync(ExternalPerson.New());

            Assert.Equal(ErrorPage("failed"), callback.Headers.Location!.ToString());
        }
        finally
        {
            fixture.Provider.Knobs.Reset();
        }
    }

    [Fact]
    public async Task A_callback_in_another_browser_without_the_attempts_cookie_is_expired()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var redirect = await ExternalLoginDriver.AuthorizeAsync(await driver.StartAsync("/auth/external/local/start"), ExternalPerson.New().Answer());

        var callback = await driver.CallbackAsync(redirect, factory.CreateClient());

        Assert.Equal(ErrorPage("expired"), callback.Headers.Location!.ToString());
        Assert.Equal(["correlation_failed:local"], Failures(factory));
    }

    [Fact]
    public async Task An_attempt_that_took_longer_than_its_lifetime_is_expired()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var redirect = await ExternalLoginDriver.AuthorizeAsync(await driver.StartAsync("/auth/external/local/start"), ExternalPerson.New().Answer());

        factory.Time.Advance(TimeSpan.FromMinutes(10));
        var callback = await driver.CallbackAsync(redirect);

        Assert.Equal(ErrorPage("expired"), callback.Headers.Location!.ToString());
        Assert.Equal(["attempt_expired:local"], Failures(factory));
        Assert.Equal(0, factory.Query(db => db.Users.Count()));
    }

    [Fact]
    public async Task A_provider_that_is_down_at_the_start_shows_the_unavailable_page()
    {
        var stopped = await IdentityProvider.StartAsync(new DevIdentityProviderOptions { Port = 0 });
        await stopped.DisposeAsync();
        using var factory = ExternalLoginDriver.Configure(new GatehouseFactory(), stopped);

        var response = await factory.CreateClient().GetAsync("/auth/external/local/start");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(ErrorPage("unavailable"), response.Headers.Location!.ToString());
        Assert.Equal(["provider_unavailable:local"], Failures(factory));
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith(".AspNetCore.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_provider_that_goes_down_before_the_code_is_redeemed_shows_the_unavailable_page()
    {
        var provider = await IdentityProvider.StartAsync(new DevIdentityProviderOptions { Port = 0 });
        using var factory = ExternalLoginDriver.Configure(new GatehouseFactory(), provider);
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var redirect = await ExternalLoginDriver.AuthorizeAsync(await driver.StartAsync("/auth/external/local/start"), ExternalPerson.New().Answer());

        await provider.DisposeAsync();
        var callback = await driver.CallbackAsync(redirect);

        Assert.Equal(ErrorPage("unavailable"), callback.Headers.Location!.ToString());
        Assert.Equal(["provider_unavailable:local"], Failures(factory));
    }

    [Fact]
    public async Task Nothing_secret_reaches_the_logs()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var redirect = await ExternalLoginDriver.AuthorizeAsync(await driver.StartAsync("/auth/external/local/start"), ExternalPerson.New().Answer());
        var code = ExternalLoginDriver.Query(redirect)["code"];

        var callback = await driver.CallbackAsync(redirect);

        var access = TestApi.AccessTokenCookie(callback)!.Value.ToString();
        Assert.DoesNotContain(code, factory.Logs.All);
        Assert.DoesNotContain(fixture.Provider.ClientSecret, factory.Logs.All);
        Assert.DoesNotContain(access, factory.Logs.All);
        Assert.DoesNotContain("eyJ", factory.Logs.All);
    }

    [Fact]
    public async Task Bad_input_is_answered_with_problem_json()
    {
        using var factory = NewFactory();
        var client = factory.CreateClient();

        Assert.Equal("external_provider_not_found", (await (await client.GetAsync("/auth/external/nope/start")).ProblemAsync(HttpStatusCode.NotFound)).GetProperty("code").GetString());
        Assert.Equal("external_provider_not_found", (await (await client.GetAsync("/auth/external/nope/callback")).ProblemAsync(HttpStatusCode.NotFound)).GetProperty("code").GetString());
        Assert.Equal("link_pending_invalid", (await (await client.GetAsync("/auth/external/pending-link")).ProblemAsync(HttpStatusCode.NotFound)).GetProperty("code").GetString());
        await client.SignUpAndLogInAsync();
        Assert.Equal("external_provider_not_found", (await (await client.PostAsJsonAsync("/auth/external/nope/link", new { })).ProblemAsync(HttpStatusCode.NotFound)).GetProperty("code").GetString());
        Assert.Equal("link_pending_invalid", (await (await client.PostAsJsonAsync("/auth/external/pending-link", new { })).ProblemAsync(HttpStatusCode.NotFound)).GetProperty("code").GetString());
        var malformed = await client.PostAsync("/auth/external/local/link", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));
        await malformed.ProblemAsync(HttpStatusCode.BadRequest);
        var unsigned = await factory.CreateClient().GetAsync("/auth/external/logins");
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
    }

    [Fact]
    public async Task A_state_changing_request_from_another_origin_is_refused()
    {
        using var factory = NewFactory();
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/external/local/link") { Content = JsonContent.Create(new { }) };
        request.Headers.Remove("Origin");
        request.Headers.Add("Origin", "https://evil.example");

        var response = await client.SendAsync(request);

        Assert.Equal("csrf_refused", (await response.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
    }
}
