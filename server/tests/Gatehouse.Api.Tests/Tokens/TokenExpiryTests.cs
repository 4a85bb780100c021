using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary>Expiry on a fake clock: valid one second before the deadline, refused at it.</summary>
public sealed class TokenExpiryTests
{
    [Fact]
    public async Task A_token_is_valid_until_expiry_plus_the_30_second_skew_and_refused_at_it()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        var deadline = TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(30); // the default lifetime plus the skew

        factory.Time.Advance(deadline - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/is-authenticated")).StatusCode);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/is-authenticated")).StatusCode);
    }

    [Fact]
    public async Task With_no_skew_and_a_short_lifetime_expiry_is_exact()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:Tokens:Lifetime", "00:10:00")
            .With("Gatehouse:Tokens:ClockSkew", "00:00:00");
        var client = factory.CreateClient();
        var (_, token) = await client.SignUpAndLogInAsync();
        Assert.Equal(factory.Time.GetUtcNow().AddMinutes(10).UtcDateTime, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).ValidTo);

        factory.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task A_token_from_the_future_is_refused_beyond_the_skew()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        // Our clock falls back 31 s behind the issue time: nbf is now beyond the 30 s tolerance.
        factory.Time.AdjustTime(factory.Time.GetUtcNow() - TimeSpan.FromSeconds(31));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/me")).StatusCode);
    }
}
