using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

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

    [Theory]
    [InlineData("application/json; charset=utf-7")]
    [InlineData("application/json; charset=nonsense")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=")]
    [InlineData("application/json; charset=utf-8; charset=utf-7")]
    [InlineData("application/json; charset=\"utf-8\"")] // the reader takes the quotes as part of the name
    public async Task A_json_body_in_any_charset_but_utf_8_gets_415_and_logs_no_error(string contentType)
    {
        // The JSON reader once tried to decode with the named charset and threw on one it did not know: a 500.
        var content = new StringContent("{\"username\": \"john\", \"password\": \"password123\"}");
        content.Headers.ContentType = null;
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var errors = ErrorLogCount();

        var response = await _client.PostAsync("/auth/login", content);

        await AssertCleanProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Null(TestApi.AccessTokenCookie(response));
        Assert.Equal(errors, ErrorLogCount());
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/problem+json")]
    public async Task A_json_body_in_utf_8_is_read(string contentType)
    {
        var content = new StringContent("{\"username\": \"john\", \"password\": \"password123\"}");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        var response = await _client.PostAsync("/auth/login", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/auth/me", "text/html", HttpStatusCode.Unauthorized)]
    [InlineData("/auth/sessions", "application/xml", HttpStatusCode.Unauthorized)]
    [InlineData("/nothing-here", "text/html", HttpStatusCode.NotFound)]
    [InlineData("/auth/login", "text/html", HttpStatusCode.MethodNotAllowed)]
    public async Task An_accept_header_without_json_still_gets_a_problem_json(string path, string accept, HttpStatusCode status)
    {
        // The API speaks JSON only. The framework's problem writer declines such a request: the 401
        // challenge then failed with a 500, and the status-code pages answered in text/plain.
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        var errors = ErrorLogCount();

        var response = await factory.CreateClient(new() { HandleCookies = false }).SendAsync(request);

        await AssertCleanProblemAsync(response, status);
        Assert.Equal(errors, ErrorLogCount());
    }

    [Theory]
    [InlineData("999999999999")]
    [InlineData("253402300800")] // one second past the last of the year 9999
    public async Task A_revocation_cursor_past_the_year_9999_gets_400(string after)
    {
        var errors = ErrorLogCount();

        var response = await _client.GetAsync($"/auth/revocations?after={after}");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("cursor_invalid", problem.GetProperty("codes").GetProperty("after")[0].GetString());
        Assert.Equal(errors, ErrorLogCount());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/auth/revocations?after=253402300799")).StatusCode);
    }

    [Fact]
    public async Task A_bad_request_thrown_while_a_body_is_read_is_its_own_4xx_and_no_error_in_the_log()
    {
        // Endpoints bind bodies through the framework, which answers a failed read itself; code that reads
        // a body on its own lets the exception reach the exception handler, which must answer it the same.
        using var reading = new GatehouseFactory().WithServices(services => services.AddSingleton<IStartupFilter, ReadsUnmatchedBodies>());
        var content = new StreamContent(new UnknownLength(new byte[20 * 1024]));
        content.Headers.ContentType = new("application/json");

        var response = await reading.CreateClient().PostAsync("/reads-its-body", content);

        await AssertCleanProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.True(reading.Logs.Lines.Count > 0);
        Assert.DoesNotContain(reading.Logs.Lines, line => line.StartsWith("Error ", StringComparison.Ordinal));
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

    private int ErrorLogCount() => factory.Logs.Lines.Count(line => line.StartsWith("Error ", StringComparison.Ordinal));

    /// <summary>Reads the whole body of any request no endpoint takes, as hand-written body code would.</summary>
    private sealed class ReadsUnmatchedBodies : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            // Runs after the app's own pipeline, inside its exception handler, for requests no endpoint matched.
            app.Run(async context =>
            {
                await new StreamReader(context.Request.Body).ReadToEndAsync();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
            });
        };
    }

    /// <summary>A body whose length is not declared, so the limit is met while reading, not up front.</summary>
    private sealed class UnknownLength(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
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
