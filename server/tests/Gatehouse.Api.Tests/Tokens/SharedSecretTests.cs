using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary>JWT_SECRET, the original design's variable, switches signing to HS256.</summary>
public sealed class SharedSecretTests
{
    private const string Secret = GatehouseFactory.JwtSecret;

    [Fact]
    public async Task With_jwt_secret_tokens_are_hs256_and_still_guard_routes()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("JWT_SECRET", Secret);
        var client = factory.CreateClient();

        var (_, token) = await client.SignUpAndLogInAsync();

        var jwt = new JsonWebToken(token);
        Assert.Equal("HS256", jwt.Alg);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task With_jwt_secret_the_jwks_publishes_nothing()
    {
        using var factory = new GatehouseFactory().With("JWT_SECRET", Secret);

        var json = await factory.CreateClient().GetStringAsync("/.well-known/jwks.json");

        Assert.Equal("{\"keys\":[]}", json);
    }

    [Fact]
    public async Task With_jwt_secret_an_es256_token_is_refused()
    {
        using var es256 = new GatehouseFactory();
        var (_, foreignToken) = await es256.CreateClient().SignUpAndLogInAsync();
        using var hs256 = GatehouseFactory.OnDirectory(es256.DataDirectory).With("JWT_SECRET", Secret);

        var response = await hs256.CreateClient(new() { HandleCookies = false })
            .SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", foreignToken));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_token_signed_with_another_secret_is_refused()
    {
        using var first = new GatehouseFactory().With("JWT_SECRET", Secret);
        var (_, token) = await first.CreateClient().SignUpAndLogInAsync();
        using var second = GatehouseFactory.OnDirectory(first.DataDirectory).With("JWT_SECRET", Secret.Replace('a', 'b'));

        var response = await second.CreateClient(new() { HandleCookies = false })
            .SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
