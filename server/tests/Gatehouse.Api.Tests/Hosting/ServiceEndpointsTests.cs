using System.Net;
using System.Text.Json;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Hosting;

public sealed class ServiceEndpointsTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task Health_answers_while_the_process_is_up()
    {
        var body = await (await factory.CreateClient().GetAsync("/health")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("Healthy", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_checks_the_database()
    {
        var body = await (await factory.CreateClient().GetAsync("/health/ready")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("database").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_every_auth_endpoint()
    {
        var json = await factory.CreateClient().GetStringAsync("/openapi/v1.json");

        var paths = JsonDocument.Parse(json).RootElement.GetProperty("paths");
        foreach (var path in new[] { "/auth/register", "/auth/login", "/auth/logout", "/auth/is-authenticated", "/auth/me", "/.well-known/jwks.json" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }
        var login = paths.GetProperty("/auth/login").GetProperty("post").GetProperty("responses");
        Assert.True(login.TryGetProperty("401", out _));
        Assert.True(login.TryGetProperty("400", out _));
    }

    [Fact]
    public async Task The_interactive_api_page_is_served_in_development()
    {
        var response = await factory.CreateClient(new() { AllowAutoRedirect = true }).GetAsync("/scalar/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("text/html", response.Content.Headers.ContentType?.ToString());
    }

    [Fact]
    public async Task The_interactive_api_page_is_not_served_in_production()
    {
        using var production = new GatehouseFactory().WithEnvironment("Production");

        Assert.Equal(HttpStatusCode.NotFound, (await production.CreateClient().GetAsync("/scalar/")).StatusCode);
    }
}
