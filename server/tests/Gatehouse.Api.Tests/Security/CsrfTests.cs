using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Security;

/// <summary>
/// The CSRF defence on a cookie-authenticated, state-changing request: POST /auth/logout-all, which
/// would end every session of the signed-in user. A refused request must leave the session alive,
/// so each refusal is checked by asking /auth/me afterwards, not only by its status code.
/// </summary>
public sealed class CsrfTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    private const string WebOrigin = "http://localhost:3000"; // allowed by the factory's CORS settings
    private const string Foreign = "https://evil.example";

    [Fact]
    public async Task A_cross_site_fetch_is_refused_and_the_session_survives()
    {
        // The allowed Origin does not save it: Fetch Metadata comes from the browser itself.
        await AssertRefusedAsync(request => request.Headers.Add("Sec-Fetch-Site", "cross-site"));
    }

    [Fact]
    public async Task A_foreign_origin_is_refused()
    {
        await AssertRefusedAsync(request => request.Headers.Add("Origin", Foreign));
    }

    [Fact]
    public async Task An_opaque_null_origin_is_refused()
    {
        // Sandboxed frames and no-referrer pages send "null"; it names no origin we could allow.
        await AssertRefusedAsync(request => request.Headers.Add("Origin", "null"));
    }

    [Fact]
    public async Task A_foreign_referer_without_an_origin_is_refused()
    {
        await AssertRefusedAsync(request => request.Headers.Referrer = new Uri(Foreign + "/page"));
    }

    [Fact]
    public async Task A_referer_on_a_lookalike_host_is_refused()
    {
        // Compared as a whole origin, not as a prefix of the URL.
        await AssertRefusedAsync(request => request.Headers.Referrer = new Uri("https://localhost.evil.example/page"));
    }

    [Fact]
    public async Task A_forged_host_does_not_make_a_foreign_origin_the_apis_own()
    {
        // The API's own origin was built from Host, which the caller writes: a Host naming the same
        // foreign site as the Origin passed. It now comes from configuration (Gatehouse:PublicApiUrl).
        await AssertRefusedAsync(request =>
        {
            request.Headers.Host = "evil.example";
            request.Headers.Add("Origin", Foreign);
        });
    }

    [Fact]
    public async Task A_forged_host_does_not_make_a_foreign_referer_the_apis_own()
    {
        await AssertRefusedAsync(request =>
        {
            request.Headers.Host = "evil.example";
            request.Headers.Referrer = new Uri(Foreign + "/page");
        });
    }

    [Fact]
    public async Task Session_cookies_with_neither_origin_nor_referer_are_refused()
    {
        // A browser holding a session always sends one of them; a request without either cannot be placed.
        await AssertRefusedAsync(_ => { });
    }

    [Fact]
    public async Task A_foreign_origin_cannot_revoke_a_session()
    {
        var client = await SignedInClientAsync();
        var sessions = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/auth/sessions");
        var id = sessions.GetProperty("sessions")[0].GetProperty("id").GetString();
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/auth/sessions/{id}");
        request.Headers.Add("Origin", Foreign);

        var response = await client.SendAsync(request);

        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("csrf_refused", problem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task A_refresh_cookie_alone_counts_as_a_session_cookie()
    {
        // A browser whose access cookie has expired sends the refresh cookie alone; that must be enough to demand an origin.
        var login = await factory.CreateClient().SignUpAndLogInAsync();
        var refreshCookie = $"refresh_token={TestApi.RefreshTokenCookie(await factory.CreateClient().LoginAsync(login.Username))!.Value}";
        var refused = new HttpRequestMessage(HttpMethod.Post, "/auth/refresh");
        refused.Headers.Add("Cookie", refreshCookie);

        var problem = await (await Bare().SendAsync(refused)).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal("csrf_refused", problem.GetProperty("code").GetString());
        var allowed = new HttpRequestMessage(HttpMethod.Post, "/auth/refresh");
        allowed.Headers.Add("Cookie", refreshCookie);
        allowed.Headers.Add("Origin", WebOrigin);
        Assert.Equal(HttpStatusCode.OK, (await Bare().SendAsync(allowed)).StatusCode); // the token was not spent
    }

    [Fact]
    public async Task A_referer_from_an_allowed_origin_is_enough_without_an_origin()
    {
        await AssertAllowedAsync(request => request.Headers.Referrer = new Uri(WebOrigin + "/dashboard/sessions"));
    }

    [Fact]
    public async Task An_allowed_origin_is_let_through()
    {
        await AssertAllowedAsync(request => request.Headers.Add("Origin", WebOrigin));
    }

    [Fact]
    public async Task A_same_site_fetch_from_an_allowed_origin_is_let_through()
    {
        await AssertAllowedAsync(request =>
        {
            request.Headers.Add("Origin", WebOrigin);
            request.Headers.Add("Sec-Fetch-Site", "same-site");
        });
    }

    [Fact]
    public async Task A_tool_without_cookies_needs_neither_origin_nor_referer()
    {
        // curl or a server-side caller with a bearer token: no cookie, so no browser to forge it.
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        var tool = Bare();
        tool.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await tool.PostAsync("/auth/logout-all", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await tool.GetAsync("/auth/me")).StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task A_body_a_cross_site_form_could_send_is_refused_with_415(string contentType)
    {
        // These three types need no CORS preflight, so a foreign page could send them blind.
        var client = await SignedInClientAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout-all") { Content = new StringContent("--x\r\n\r\n--x--") };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("Origin", WebOrigin);

        var response = await client.SendAsync(request);

        var problem = await response.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("json_required", problem.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Signing_in_from_a_foreign_origin_is_refused()
    {
        // Login CSRF: a foreign page must not sign the victim's browser into the attacker's account.
        var attacker = TestApi.NewUsername("attacker");
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().RegisterAsync(attacker)).StatusCode);
        var victim = Bare();
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
        {
            Content = JsonContent.Create(new { username = attacker, password = TestApi.StrongPassword }),
        };
        request.Headers.Add("Origin", Foreign);
        var logged = LogCount();

        var response = await victim.SendAsync(request);

        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("csrf_refused", problem.GetProperty("code").GetString());
        Assert.Null(TestApi.AccessTokenCookie(response));
        Assert.Null(TestApi.RefreshTokenCookie(response));
        Assert.Equal(logged + 1, LogCount());
    }

    [Fact]
    public async Task Get_requests_are_never_refused()
    {
        // Safe methods change nothing, so even a cross-site GET from a foreign origin is answered.
        var client = await SignedInClientAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        request.Headers.Add("Origin", Foreign);
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Sends the attack with the session cookies and asserts the 403, its log line, and that the session lives on.</summary>
    private async Task AssertRefusedAsync(Action<HttpRequestMessage> shape)
    {
        var client = await SignedInClientAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout-all");
        shape(request);
        var logged = LogCount();

        var response = await client.SendAsync(request);

        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("csrf_refused", problem.GetProperty("code").GetString());
        Assert.Equal(logged + 1, LogCount());
        Assert.Contains(factory.Logs.Lines, line => line.Contains("CSRF defence refused POST /auth/logout-all", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
    }

    /// <summary>Sends the request with the session cookies and asserts it did what it asked: every session ended.</summary>
    private async Task AssertAllowedAsync(Action<HttpRequestMessage> shape)
    {
        var client = await SignedInClientAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout-all");
        shape(request);
        var logged = LogCount();

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(logged, LogCount());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/me")).StatusCode);
    }

    /// <summary>
    /// A signed-in client whose cookie jar holds the session and which sends no Origin of its own,
    /// so each test decides the Origin, Referer and Fetch Metadata headers.
    /// </summary>
    private async Task<HttpClient> SignedInClientAsync()
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        client.DefaultRequestHeaders.Remove("Origin");
        return client;
    }

    private HttpClient Bare()
    {
        var client = factory.CreateClient(new() { HandleCookies = false, BaseAddress = new Uri(GatehouseFactory.Origin) });
        client.DefaultRequestHeaders.Remove("Origin");
        return client;
    }

    // Tests in one class run one at a time, so a change in the count belongs to the test that made it.
    private int LogCount() => factory.Logs.Lines.Count(line => line.Contains("CSRF defence refused", StringComparison.Ordinal));
}

/// <summary>
/// SameSite=None is for a web app on another site, whose every call the browser marks cross-site:
/// there, and only there, a cross-site request is judged by its Origin, which must be allowed.
/// </summary>
public sealed class CrossSiteWebAppCsrfTests
{
    private const string WebApp = "https://app.example.net";

    [Theory]
    [InlineData(WebApp, HttpStatusCode.NoContent)]
    [InlineData("https://evil.example", HttpStatusCode.Forbidden)]
    [InlineData(null, HttpStatusCode.Forbidden)] // a Referer is not enough when the browser says cross-site
    public async Task With_samesite_none_a_cross_site_call_needs_an_allowed_origin(string? origin, HttpStatusCode expected)
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:Cookie:SameSite", "None")
            .With("Gatehouse:Cors:Origins", $"{GatehouseFactory.Origin},{WebApp}");
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        client.DefaultRequestHeaders.Remove("Origin");
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout-all");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        if (origin is null)
        {
            request.Headers.Referrer = new Uri(WebApp + "/dashboard/sessions");
        }
        else
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task With_the_default_samesite_lax_a_cross_site_call_is_refused_even_from_an_allowed_origin()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Cors:Origins", $"{GatehouseFactory.Origin},{WebApp}");
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        client.DefaultRequestHeaders.Remove("Origin");
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout-all");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        request.Headers.Add("Origin", WebApp);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
    }
}
