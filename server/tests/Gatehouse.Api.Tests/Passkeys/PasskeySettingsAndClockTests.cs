using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Passkeys;

public sealed class PasskeySettingsAndClockTests
{
    [Fact]
    public async Task A_ceremony_works_until_one_second_before_five_minutes_and_not_at_five()
    {
        await using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);

        var browser = factory.CreateClient();
        var (early, earlyOptions) = await browser.OptionsAsync("/auth/passkeys/login/options");
        var (late, lateOptions) = await browser.OptionsAsync("/auth/passkeys/login/options");
        factory.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await browser.PasskeyLoginAsync(early, authenticator.Get(earlyOptions))).StatusCode);
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var expired = await (await factory.CreateClient().PasskeyLoginAsync(late, authenticator.Get(lateOptions))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("ceremony_invalid", expired.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Adding_and_deleting_a_passkey_need_a_recent_authentication()
    {
        await using var factory = new GatehouseFactory().With("Gatehouse:Security:ReauthWindow", "00:01:00");
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);

        factory.Time.Advance(TimeSpan.FromMinutes(2));
        var delete = await (await client.DeleteAsync($"/auth/passkeys/{authenticator.Id}")).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("reauthentication_required", delete.GetProperty("code").GetString());
        var add = await (await client.PostAsync("/auth/passkeys/register/options", null)).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("reauthentication_required", add.GetProperty("code").GetString());
        // Renaming and listing are not sensitive: they stay open.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/passkeys")).StatusCode);

        // A fresh sign-in (here with the passkey itself) is a recent authentication again.
        var again = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await again.SignInWithPasskeyAsync(authenticator)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await again.DeleteAsync($"/auth/passkeys/{authenticator.Id}")).StatusCode);
    }

    [Fact]
    public async Task The_relying_party_is_the_web_apps_host_unless_configured()
    {
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:PublicWebUrl", "https://app.example.com")
            .With("Gatehouse:Passkeys:RpId", "example.com");
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        var (_, options) = await client.OptionsAsync("/auth/passkeys/register/options");
        Assert.Equal("example.com", options.GetProperty("rp").GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("127.0.0.1", "IP address")]
    [InlineData("::1", "IP address")]
    [InlineData("https://localhost", "not a host name")]
    [InlineData("Localhost", "not a host name")]
    [InlineData("example.com", "parent domain")]
    public void A_relying_party_id_that_no_browser_would_accept_stops_start_up(string rpId, string expected)
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Passkeys:RpId", rpId);
        var failure = factory.StartupFailure();
        Assert.Contains("Gatehouse:Passkeys:RpId", failure.Message);
        Assert.Contains(expected, failure.Message);
    }

    [Fact]
    public async Task A_web_app_at_an_ip_address_leaves_passkeys_off_with_a_reason()
    {
        await using var factory = new GatehouseFactory().With("Gatehouse:PublicWebUrl", "http://127.0.0.1:3000");
        var refused = await (await factory.CreateClient().PostAsync("/auth/passkeys/login/options", null)).ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("passkeys_unavailable", refused.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Passkey_ceremonies_are_rate_limited_per_client()
    {
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:Passkey:PerIp", "3")
            .With("Gatehouse:RateLimits:Passkey:PerUser", "3")
            .With("Gatehouse:RateLimits:Passkey:Window", "00:01:00");
        var browser = factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.PostAsync("/auth/passkeys/login/options", null)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await browser.PostAsync("/auth/passkeys/login/options", null)).StatusCode);
    }
}
