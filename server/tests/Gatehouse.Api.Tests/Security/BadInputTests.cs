using System.Net;
using System.Net.Http.Json;
using System.Text;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Security;

/// <summary>Bad input gets a clear problem+json with the right status: never a 500 or a stack trace.</summary>
public sealed class BadInputTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Theory]
    [InlineData("/auth/login", "{\"username\": \"john\", ")]
    [InlineData("/auth/register", "not json at all")]
    [InlineData("/auth/login", "{\"username\": 42, \"password\": []}")]
    [InlineData("/auth/login", "[]")]
    public async Task Malformed_json_gets_400(string path, string body)
    {
        var response = await _client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        await AssertCleanProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data")]
    public async Task A_body_that_is_not_json_gets_415(string contentType)
    {
        var content = new StringContent("username=john&password=password123");
        content.Headers.ContentType = new(contentType);

        var response = await _client.PostAsync("/auth/login", content);

        await AssertCleanProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_body_over_16_kib_gets_413()
    {
        var response = await _client.PostAsJsonAsync("/auth/register", new { username = "big", password = new string('x', 17 * 1024) });

        await AssertCleanProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task A_body_just_under_16_kib_is_read()
    {
        var padding = new string('x', 15 * 1024);
        var response = await _client.PostAsJsonAsync("/auth/login", new { username = "john", password = "password123", padding });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_empty_body_gets_400_naming_the_fields()
    {
        var response = await _client.PostAsync("/auth/register", new StringContent("{}", Encoding.UTF8, "application/json"));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("username", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    [Fact]
    public async Task A_json_null_body_gets_400_naming_the_fields()
    {
        var response = await _client.PostAsync("/auth/login", new StringContent("null", Encoding.UTF8, "application/json"));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("username", out _));
    }

    [Theory]
    [InlineData("/nothing-here")]
    [InlineData("/auth/unknown")]
    public async Task An_unknown_route_gets_404_problem(string path)
    {
        await AssertCleanProblemAsync(await _client.GetAsync(path), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_wrong_method_gets_405_problem()
    {
        await AssertCleanProblemAsync(await _client.GetAsync("/auth/login"), HttpStatusCode.MethodNotAllowed);
    }

    private static async Task AssertCleanProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("password123", body, StringComparison.Ordinal);
    }
}
