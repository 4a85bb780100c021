using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Security;

/// <summary>Headers every answer carries, so browsers neither sniff nor embed nor cache it.</summary>
public sealed class ResponseHeadersTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Theory]
    [InlineData("/auth/me")]
    [InlineData("/health")]
    [InlineData("/no-such-route")]
    [InlineData("/.well-known/jwks.json")]
    public async Task Every_answer_is_nosniff_and_same_origin_only_for_embedding(string path)
    {
        var response = await factory.CreateClient().GetAsync(path);

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("same-origin", Assert.Single(response.Headers.GetValues("Cross-Origin-Resource-Policy")));
    }

    [Fact]
    public async Task Session_answers_are_never_cached()
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        var response = await client.GetAsync("/auth/sessions");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }
}
