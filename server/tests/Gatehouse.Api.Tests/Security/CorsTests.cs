using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Security;

public sealed class CorsTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    private const string WebOrigin = "http://localhost:3000";

    [Fact]
    public async Task A_preflight_from_the_web_origin_is_allowed_with_credentials()
    {
        var response = await factory.CreateClient().SendAsync(Preflight(WebOrigin, "POST", "content-type"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(WebOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"));
        Assert.Contains("content-type", Header(response, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_preflight_from_a_foreign_origin_gets_no_allow_origin()
    {
        var response = await factory.CreateClient().SendAsync(Preflight("https://evil.example", "POST", "content-type"));

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("PUT", "content-type")]
    [InlineData("POST", "x-custom")]
    public async Task A_preflight_for_an_unlisted_method_or_header_is_not_allowed(string method, string headers)
    {
        var response = await factory.CreateClient().SendAsync(Preflight(WebOrigin, method, headers));

        var allowed = Header(response, "Access-Control-Allow-Methods") + "," + Header(response, "Access-Control-Allow-Headers");
        Assert.False(
            allowed.Contains(method, StringComparison.OrdinalIgnoreCase) && allowed.Contains(headers, StringComparison.OrdinalIgnoreCase),
            $"{method} with {headers} should not be allowed, got {allowed}");
    }

    [Fact]
    public async Task A_simple_request_from_a_foreign_origin_is_not_shared()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", "https://evil.example");

        var response = await factory.CreateClient().SendAsync(request);

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Frontend_url_sets_the_allowed_origins()
    {
        using var custom = new GatehouseFactory().With("FRONTEND_URL", "https://app.example.com, https://admin.example.com");
        var client = custom.CreateClient();

        Assert.Equal("https://admin.example.com", Header(await client.SendAsync(Preflight("https://admin.example.com", "POST", "content-type")), "Access-Control-Allow-Origin"));
        Assert.Null(Header(await client.SendAsync(Preflight(WebOrigin, "POST", "content-type")), "Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/auth/login");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
