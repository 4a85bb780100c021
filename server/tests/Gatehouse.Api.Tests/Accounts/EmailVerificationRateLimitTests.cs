using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Accounts;

/// <summary>Each verification mail costs a send, and each link a guess: both are limited per client and per account.</summary>
public sealed class EmailVerificationRateLimitTests
{
    [Fact]
    public async Task Anonymous_resends_are_limited_per_name_across_addresses_alike_for_a_real_and_an_unknown_name()
    {
        using var factory = Limited("EmailVerification", perIp: 100, perUser: 2);
        var username = TestApi.NewUsername();
        await factory.CreateClientFrom("203.0.113.50").RegisterAsync(username);
        var unknown = "nobody-" + Guid.NewGuid().ToString("N")[..12];

        foreach (var name in new[] { username, unknown })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await factory.CreateClientFrom("203.0.113.51").SendVerificationAsync(name)).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await factory.CreateClientFrom("203.0.113.52").SendVerificationAsync(name.ToUpperInvariant())).StatusCode);

            await AssertRateLimitedAsync(await factory.CreateClientFrom("203.0.113.53").SendVerificationAsync(name));
        }
    }

    [Fact]
    public async Task Resends_are_limited_per_client_address_and_per_signed_in_account()
    {
        using var factory = Limited("EmailVerification", perIp: 2, perUser: 1);
        var stranger = factory.CreateClientFrom("203.0.113.60");
        Assert.Equal(HttpStatusCode.Accepted, (await stranger.SendVerificationAsync("nobody-one")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await stranger.SendVerificationAsync("nobody-two")).StatusCode);
        await AssertRateLimitedAsync(await stranger.SendVerificationAsync("nobody-three"));

        var owner = factory.CreateClientFrom("203.0.113.61");
        var (_, access) = await owner.SignUpAndLogInAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await owner.SendVerificationAsync()).StatusCode);
        // The same account from another address: its own bucket is spent.
        var elsewhere = TestApi.WithToken(HttpMethod.Post, "/auth/email/verification", access);
        elsewhere.Content = System.Net.Http.Json.JsonContent.Create(new { });
        await AssertRateLimitedAsync(await factory.CreateClientFrom("203.0.113.62", handleCookies: false).SendAsync(elsewhere));
    }

    [Fact]
    public async Task Verify_attempts_are_limited_per_client_address()
    {
        using var factory = Limited("EmailToken", perIp: 2, perUser: 10);
        var client = factory.CreateClientFrom("203.0.113.70");

        for (var i = 0; i < 2; i++)
        {
            await (await client.VerifyEmailAsync(new string((char)('a' + i), 43))).ProblemAsync(HttpStatusCode.BadRequest);
        }

        await AssertRateLimitedAsync(await client.VerifyEmailAsync(new string('c', 43)));
    }

    private static GatehouseFactory Limited(string action, int perIp, int perUser) =>
        new GatehouseFactory().WithClientAddresses()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With($"Gatehouse:RateLimits:{action}:PerIp", perIp.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With($"Gatehouse:RateLimits:{action}:PerUser", perUser.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With($"Gatehouse:RateLimits:{action}:Window", "01:00:00");

    private static async Task AssertRateLimitedAsync(HttpResponseMessage response)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        Assert.Single(response.Headers.GetValues("Retry-After"));
    }
}
