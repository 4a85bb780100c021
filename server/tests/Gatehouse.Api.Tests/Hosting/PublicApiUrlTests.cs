using System.Net;
using System.Text.Json;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Hosting;

/// <summary>
/// The API's own address comes from Gatehouse:PublicApiUrl, never from the request's Host header: it
/// is the origin the CSRF check counts as the API's own and the server the OpenAPI document lists.
/// </summary>
public sealed class PublicApiUrlTests
{
    private const string PublicUrl = "https://api.example.com";

    [Fact]
    public async Task The_openapi_document_lists_the_configured_url_whatever_the_host_header_says()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:PublicApiUrl", PublicUrl + "/");

        var servers = await ServersAsync(factory, host: "evil.example");

        Assert.Equal([PublicUrl], servers);
    }

    [Fact]
    public async Task Without_a_public_url_the_openapi_document_lists_no_server_rather_than_the_host_header()
    {
        // No servers means "where this document came from" (OpenAPI 3.1 §4.8.1), the one safe default.
        using var factory = new GatehouseFactory();

        var servers = await ServersAsync(factory, host: "evil.example:666");

        Assert.Empty(servers);
    }

    [Fact]
    public async Task The_configured_public_origin_passes_the_csrf_check_and_a_forged_host_does_not()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:PublicApiUrl", PublicUrl + "/v1");

        Assert.Equal(HttpStatusCode.NoContent, await LogoutAllFromAsync(factory, PublicUrl));
        Assert.Equal(HttpStatusCode.Forbidden, await LogoutAllFromAsync(factory, "https://evil.example", host: "evil.example"));
    }

    [Theory]
    [InlineData("http://localhost:4321")]
    [InlineData("http://127.0.0.1:4321")]
    public async Task Unset_in_development_the_loopback_addresses_on_the_api_port_are_its_own(string origin)
    {
        // The API's /scalar page, opened where Kestrel says it listens (127.0.0.1) or where the README says (localhost).
        using var factory = new GatehouseFactory().With("PORT", "4321");

        Assert.Equal(HttpStatusCode.NoContent, await LogoutAllFromAsync(factory, origin));
    }

    [Fact]
    public async Task Unset_outside_development_no_origin_but_the_web_apps_passes()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("PORT", "4321");

        Assert.Equal(HttpStatusCode.Forbidden, await LogoutAllFromAsync(factory, "http://127.0.0.1:4321"));
        Assert.Equal(HttpStatusCode.Forbidden, await LogoutAllFromAsync(factory, "https://localhost:4321"));
    }

    [Theory]
    [InlineData("api.example.com")]
    [InlineData("/api")]
    [InlineData("ftp://api.example.com")]
    [InlineData("https://*.example.com")]
    [InlineData("https://api.example.com?x=1")]
    [InlineData("https://user:secret@api.example.com")]
    [InlineData("https://api.example.com,https://other.example.com")]
    public void A_bad_public_url_stops_startup_with_a_fix(string value)
    {
        using var factory = new GatehouseFactory().With("Gatehouse:PublicApiUrl", value);

        var failure = factory.StartupFailure();

        Assert.Contains($"Gatehouse:PublicApiUrl is '{value}', which is not the API's URL", failure.Message, StringComparison.Ordinal);
        Assert.Contains("e.g. https://api.example.com (environment: Gatehouse__PublicApiUrl)", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<string[]> ServersAsync(GatehouseFactory factory, string host)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        request.Headers.Host = host;
        var response = await factory.CreateClient().SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.DoesNotContain(host.Split(':')[0], document.ToString(), StringComparison.OrdinalIgnoreCase);
        return document.TryGetProperty("servers", out var servers)
            ? servers.EnumerateArray().Select(s => s.GetProperty("url").GetString()!).ToArray()
            : [];
    }

    /// <summary>Signs in, then asks to end every session from <paramref name="origin"/>; the status says whether the CSRF check let it through.</summary>
    private static async Task<HttpStatusCode> LogoutAllFromAsync(GatehouseFactory factory, string origin, string? host = null)
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        client.DefaultRequestHeaders.Remove("Origin");
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout-all");
        request.Headers.Add("Origin", origin);
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        return (await client.SendAsync(request)).StatusCode;
    }
}
