using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.Net.Http.Headers;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary>
/// Cookie names and attributes per deployment. The __Host- and __Secure- prefixes are enforced by
/// the browser: a sibling subdomain or a plain-http page cannot plant or overwrite such a cookie.
/// </summary>
public sealed class CookieSettingsTests
{
    [Fact]
    public async Task Outside_development_the_access_cookie_is_host_prefixed_and_the_refresh_cookie_secure_prefixed()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production");

        var cookies = await SignInCookiesAsync(factory);

        var access = cookies["__Host-access_token"];
        Assert.True(access.Secure);
        Assert.True(access.HttpOnly);
        Assert.Equal("/", access.Path.Value);
        Assert.Null(access.Domain.Value);
        // __Host- needs Path=/, which would send the refresh token everywhere; __Secure- lets it keep its narrow path.
        var refresh = cookies["__Secure-refresh_token"];
        Assert.True(refresh.Secure);
        Assert.True(refresh.HttpOnly);
        Assert.Equal("/auth", refresh.Path.Value);
        Assert.Null(refresh.Domain.Value);
        // The device cookie (Devices/) goes where the refresh cookie goes, under the same prefix.
        var device = cookies["__Secure-device_token"];
        Assert.True(device.Secure);
        Assert.True(device.HttpOnly);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Lax, device.SameSite);
        Assert.Equal("/auth", device.Path.Value);
        Assert.Null(device.Domain.Value);
        Assert.Equal(3, cookies.Count);
    }

    [Fact]
    public async Task A_refresh_path_of_root_earns_the_refresh_cookie_the_host_prefix()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:Cookie:RefreshPath", "/");

        var cookies = await SignInCookiesAsync(factory);

        Assert.Equal("/", cookies["__Host-refresh_token"].Path.Value);
        Assert.Equal("/", cookies["__Host-device_token"].Path.Value);
        Assert.True(cookies.ContainsKey("__Host-access_token"));
    }

    [Fact]
    public async Task A_cookie_domain_gives_both_cookies_the_secure_prefix_and_that_domain()
    {
        // __Host- forbids Domain, so a shared parent domain can only have __Secure-.
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:Cookie:Domain", "example.com");

        var cookies = await SignInCookiesAsync(factory);

        Assert.Equal(("example.com", "/"), (cookies["__Secure-access_token"].Domain.Value, cookies["__Secure-access_token"].Path.Value));
        Assert.Equal(("example.com", "/auth"), (cookies["__Secure-refresh_token"].Domain.Value, cookies["__Secure-refresh_token"].Path.Value));
        Assert.Equal(("example.com", "/auth"), (cookies["__Secure-device_token"].Domain.Value, cookies["__Secure-device_token"].Path.Value));
        Assert.All(cookies.Values, c => Assert.True(c.Secure));
    }

    [Fact]
    public async Task Logout_deletes_the_cookies_with_the_domain_and_path_they_were_set_with()
    {
        // A deletion with another Domain or Path is a different cookie to the browser: the real one would stay.
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:Cookie:Domain", "example.com");
        var set = await SignInCookiesAsync(factory);
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
        request.Headers.Add("Cookie", string.Join("; ", set.Values.Select(c => $"{c.Name}={c.Value}")));

        var logout = await factory.Bare().SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        var deleted = SetCookies(logout);
        // The session's cookies; the device cookie stays, as the browser's way in during a lockout.
        Assert.Contains("__Secure-device_token", set.Keys);
        Assert.Equal(set.Keys.Where(name => name != "__Secure-device_token").Order(), deleted.Keys.Order());
        foreach (var (name, cookie) in deleted)
        {
            Assert.Equal("", cookie.Value.Value);
            Assert.True(cookie.Expires < factory.Time.GetUtcNow(), $"{name} is not expired");
            Assert.Equal(set[name].Domain.Value, cookie.Domain.Value);
            Assert.Equal(set[name].Path.Value, cookie.Path.Value);
            Assert.True(cookie.Secure); // a browser ignores a __Secure- cookie, deletion included, without it
        }
        // And the session itself is over, not just forgotten by this browser.
        var me = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        me.Headers.Add("Cookie", $"__Secure-access_token={set["__Secure-access_token"].Value}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Bare().SendAsync(me)).StatusCode);
    }

    [Fact]
    public async Task Logout_in_a_default_production_setup_deletes_both_prefixed_cookies_on_their_paths()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        var deleted = SetCookies(await client.PostAsync("/auth/logout", null));

        Assert.Equal(("/", (string?)null), (deleted["__Host-access_token"].Path.Value, deleted["__Host-access_token"].Domain.Value));
        Assert.Equal(("/auth", (string?)null), (deleted["__Secure-refresh_token"].Path.Value, deleted["__Secure-refresh_token"].Domain.Value));
        Assert.All(deleted.Values, c => Assert.True(c.Secure));
    }

    [Fact]
    public async Task Prefixes_can_be_turned_off_and_the_cookies_stay_secure()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:Cookie:UsePrefixes", "false");

        var cookies = await SignInCookiesAsync(factory);

        Assert.Equal(["access_token", "device_token", "refresh_token"], cookies.Keys.Order());
        Assert.All(cookies.Values, c => Assert.True(c.Secure));
    }

    [Fact]
    public async Task In_development_the_cookies_have_plain_names_and_are_not_secure()
    {
        // Development serves plain http on localhost, where Secure cookies (and so the prefixes) cannot be set.
        using var factory = new GatehouseFactory();

        var cookies = await SignInCookiesAsync(factory);

        Assert.Equal(["access_token", "device_token", "refresh_token"], cookies.Keys.Order());
        Assert.All(cookies.Values, c => Assert.False(c.Secure));
        Assert.Equal("/auth", cookies["refresh_token"].Path.Value);
    }

    [Fact]
    public async Task The_host_prefixed_access_cookie_authenticates_and_refreshes_work_under_the_prefixed_name()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var browser = factory.CreateClient(); // its cookie jar sends the cookies back as a browser would
        await browser.SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/auth/me")).StatusCode);
        var refresh = await browser.PostAsync("/auth/refresh", null);
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.NotNull(Cookie(refresh, "__Host-access_token"));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Outside_development_an_unprefixed_access_cookie_is_not_read()
    {
        // A sibling subdomain can plant a plain access_token; only the __Host- one, which it cannot set, counts.
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        var planted = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        planted.Headers.Add("Cookie", $"access_token={token}");
        var genuine = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        genuine.Headers.Add("Cookie", $"__Host-access_token={token}");

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Bare().SendAsync(planted)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().SendAsync(genuine)).StatusCode);
    }

    [Theory]
    [InlineData("__HOST-access_token")]
    [InlineData("__host-access_token")]
    [InlineData("__Host-ACCESS_TOKEN")]
    [InlineData("ACCESS_TOKEN")]
    public async Task Outside_development_an_access_cookie_whose_name_differs_in_case_is_not_read(string name)
    {
        // Browsers that match prefixes case-sensitively let any sibling subdomain or plain-http page set
        // __HOST-…, which is no __Host- cookie: only the exact name is ours.
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(factory, $"{name}={token}"));
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(factory, $"__Host-access_token={token}"));
    }

    [Fact]
    public async Task Outside_development_a_wrong_case_refresh_cookie_neither_refreshes_nor_signs_out()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var login = await SignInCookiesAsync(factory);
        var access = login["__Host-access_token"].Value.Value!;
        var refresh = login["__Secure-refresh_token"].Value.Value!;

        var refreshed = await PostWithCookiesAsync(factory, "/auth/refresh", $"__SECURE-REFRESH_TOKEN={refresh}");
        var loggedOut = await PostWithCookiesAsync(factory, "/auth/logout", $"__HOST-access_token={access}; __secure-refresh_token={refresh}");

        Assert.Equal(HttpStatusCode.Unauthorized, refreshed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, loggedOut.StatusCode);
        // Neither touched the session: it is alive, and its refresh token was not spent.
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(factory, $"__Host-access_token={access}"));
        Assert.Equal(HttpStatusCode.OK, (await PostWithCookiesAsync(factory, "/auth/refresh", $"__Secure-refresh_token={refresh}")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_case_cookie_sent_after_ours_does_not_hide_it()
    {
        // Request.Cookies keeps one of two names that differ only in case, the last: a planted one hid ours.
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(factory, $"__Host-access_token={token}; __HOST-access_token=planted"));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(factory, $"__HOST-access_token={token}; __Host-access_token=planted"));
    }

    [Fact]
    public async Task In_development_too_only_the_exact_cookie_name_is_read()
    {
        using var factory = new GatehouseFactory();
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(factory, $"Access_Token={token}"));
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(factory, $"access_token={token}"));
    }

    [Fact]
    public async Task A_wrong_case_cookie_is_not_a_session_cookie_to_the_csrf_check_either()
    {
        // The CSRF rule demands an Origin when a request carries our session cookies; it must judge by the
        // same exact names as sign-in does. A look-alike authenticates nothing, so it demands nothing.
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        var client = factory.Bare();
        client.DefaultRequestHeaders.Remove("Origin");

        var lookAlike = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
        lookAlike.Headers.Add("Cookie", $"__HOST-access_token={token}");
        var genuine = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
        genuine.Headers.Add("Cookie", $"__Host-access_token={token}");

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(lookAlike)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(genuine)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(factory, $"__Host-access_token={token}"));
    }

    [Theory]
    [InlineData("Gatehouse:Cookie:RefreshPath", "auth/refresh", "use a path starting with '/', e.g. /auth (default) or / when a Next.js web app fronts the API.")]
    [InlineData("Gatehouse:Cookie:RefreshPath", "/auth/refresh; Domain=evil.example", "use a path starting with '/'")]
    [InlineData("Gatehouse:Cookie:RefreshPath", "", "use a path starting with '/'")]
    [InlineData("Gatehouse:Cookie:Domain", "localhost", "use a registrable parent domain such as example.com")]
    [InlineData("Gatehouse:Cookie:Domain", "https://example.com", "use a registrable parent domain such as example.com")]
    [InlineData("Gatehouse:Cookie:Domain", "example.com; Secure", "use a registrable parent domain such as example.com")]
    public void A_bad_refresh_path_or_domain_fails_validation_with_a_fix(string key, string value, string message)
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production").With(key, value);

        var failure = factory.StartupFailure();

        Assert.Contains($"{key} is '{value}'", failure.Message, StringComparison.Ordinal);
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> MeStatusAsync(GatehouseFactory factory, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        request.Headers.Add("Cookie", cookie);
        return (await factory.Bare().SendAsync(request)).StatusCode;
    }

    private static Task<HttpResponseMessage> PostWithCookiesAsync(GatehouseFactory factory, string path, string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add("Cookie", cookie);
        return factory.Bare().SendAsync(request);
    }

    /// <summary>The Set-Cookie headers of a sign-in, read raw: a cookie jar on localhost would refuse Domain=example.com.</summary>
    private static async Task<Dictionary<string, SetCookieHeaderValue>> SignInCookiesAsync(GatehouseFactory factory)
    {
        var client = factory.Bare();
        var username = TestApi.NewUsername();
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        var login = await client.LoginAsync(username);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return SetCookies(login);
    }

    private static Dictionary<string, SetCookieHeaderValue> SetCookies(HttpResponseMessage response) =>
        SetCookieHeaderValue.ParseList(response.Headers.GetValues("Set-Cookie").ToList()).ToDictionary(c => c.Name.Value!);

    private static SetCookieHeaderValue? Cookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? SetCookieHeaderValue.ParseList(values.ToList()).SingleOrDefault(c => c.Name == name)
            : null;
}
