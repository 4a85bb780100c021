using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Security;

/// <summary>
/// The brute-force limits, switched on with small numbers. Each test has its own app, so buckets
/// never carry over. The limiters count on the factory's fake clock: time moves only when a test
/// moves it.
/// </summary>
public sealed class RateLimitTests
{
    private const string LongWindow = "00:10:00";

    [Fact]
    public async Task The_per_account_login_limit_answers_429_with_retry_after_even_from_new_addresses()
    {
        using var factory = Limited("Login", perIp: 100, perUser: 3);
        var username = await RegisterAsync(factory);

        // Every guess from a different machine: only the account's own bucket can stop them.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFrom($"198.51.100.{i + 1}").LoginAsync(username, "wrong-password")).StatusCode);
        }
        var limited = await factory.CreateClientFrom("198.51.100.9").LoginAsync(username);

        var seconds = await AssertRateLimitedAsync(limited);
        Assert.InRange(seconds, 1, 600);
        Assert.Null(TestApi.AccessTokenCookie(limited)); // the right password does not get past the limit
    }

    [Fact]
    public async Task An_unknown_username_is_limited_exactly_like_a_real_one()
    {
        // A 429 that came only for existing accounts would tell an attacker which names exist.
        using var factory = Limited("Login", perIp: 100, perUser: 3);
        var known = await RegisterAsync(factory);
        var unknown = "nobody-" + Guid.NewGuid().ToString("N")[..12];

        var knownStatuses = new List<HttpStatusCode>();
        var unknownStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            knownStatuses.Add((await factory.CreateClientFrom("198.51.100.1").LoginAsync(known, "wrong-password")).StatusCode);
            unknownStatuses.Add((await factory.CreateClientFrom("198.51.100.2").LoginAsync(unknown, "wrong-password")).StatusCode);
        }
        var knownLimited = await factory.CreateClientFrom("198.51.100.1").LoginAsync(known, "wrong-password");
        var unknownLimited = await factory.CreateClientFrom("198.51.100.2").LoginAsync(unknown, "wrong-password");

        HttpStatusCode[] expected = [HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests];
        Assert.Equal(expected, knownStatuses);
        Assert.Equal(expected, unknownStatuses);
        var knownProblem = await knownLimited.ProblemAsync(HttpStatusCode.TooManyRequests);
        var unknownProblem = await unknownLimited.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limited", unknownProblem.GetProperty("code").GetString());
        Assert.Equal(Without(knownProblem, "traceId"), Without(unknownProblem, "traceId"));
        Assert.Equal(knownLimited.Headers.RetryAfter, unknownLimited.Headers.RetryAfter);
    }

    [Fact]
    public async Task Names_longer_than_any_username_are_still_limited_each_on_its_own()
    {
        // Such names are counted by their SHA-256 (so a flood of 16 KiB names cannot grow the
        // limiter's memory): two that share a long prefix must still be two buckets.
        using var factory = Limited("Login", perIp: 100, perUser: 3);
        var prefix = new string('a', 8_000);
        var first = prefix + "-first";
        var second = prefix + "-second";

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFrom("198.51.100.1").LoginAsync(first, "wrong-password")).StatusCode);
        }
        await AssertRateLimitedAsync(await factory.CreateClientFrom("198.51.100.2").LoginAsync(first, "wrong-password"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFrom("198.51.100.3").LoginAsync(second, "wrong-password")).StatusCode);
    }

    [Fact]
    public async Task The_per_account_login_limit_lifts_once_its_window_has_passed()
    {
        using var factory = Limited("Login", perIp: 100, perUser: 3, window: "00:00:02");
        var username = await RegisterAsync(factory);
        var client = factory.CreateClientFrom("198.51.100.1");
        for (var i = 0; i < 3; i++)
        {
            await client.LoginAsync(username, "wrong-password");
        }
        var limited = await client.LoginAsync(username);
        Assert.Equal(2, await AssertRateLimitedAsync(limited)); // never longer than the window

        factory.Time.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
    }

    [Theory]
    [InlineData(0, 600)]
    [InlineData(1, 599)]
    [InlineData(250, 350)]
    [InlineData(599, 1)]
    public async Task Retry_after_is_the_time_left_in_the_window_not_the_whole_window(int elapsedSeconds, int expected)
    {
        // The window starts at the account's first attempt; a client told the whole window again at
        // every refusal would wait up to twice as long as it must, and could never plan a retry.
        using var factory = Limited("Login", perIp: 100, perUser: 3);
        var username = await RegisterAsync(factory);
        var client = factory.CreateClientFrom("198.51.100.1");
        for (var i = 0; i < 3; i++)
        {
            await client.LoginAsync(username, "wrong-password");
        }

        factory.Time.Advance(TimeSpan.FromSeconds(elapsedSeconds));
        var limited = await client.LoginAsync(username);

        Assert.Equal(expected, await AssertRateLimitedAsync(limited)); // the header and the problem's retryAfter
    }

    [Fact]
    public async Task The_per_address_limit_also_says_the_time_left()
    {
        using var factory = Limited("Register", perIp: 1, perUser: 100, window: "01:00:00");
        var client = factory.CreateClientFrom("203.0.113.5");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(TestApi.NewUsername())).StatusCode);

        factory.Time.Advance(TimeSpan.FromMinutes(20));

        Assert.Equal(2400, await AssertRateLimitedAsync(await client.RegisterAsync(TestApi.NewUsername())));
    }

    [Fact]
    public async Task The_per_address_login_limit_covers_every_username_tried_from_one_address()
    {
        using var factory = Limited("Login", perIp: 3, perUser: 100);
        var attacker = factory.CreateClientFrom("203.0.113.66");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LoginAsync($"guess-{i}", "password123")).StatusCode);
        }

        await AssertRateLimitedAsync(await attacker.LoginAsync("guess-3", "password123"));
        // Someone else, elsewhere, is not held back by the attacker's bucket.
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFrom("203.0.113.67").LoginAsync("guess-3", "password123")).StatusCode);
    }

    [Fact]
    public async Task Addresses_in_one_ipv6_slash_64_share_one_bucket()
    {
        // One machine on IPv6 usually holds a whole /64 (2^64 addresses): a bucket per address would
        // give it unlimited tries, which is what the per-IP limit exists to stop.
        using var factory = Limited("Login", perIp: 2, perUser: 100);
        for (var i = 1; i <= 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFrom($"2001:db8:1:2::{i}").LoginAsync($"guess-{i}", "password123")).StatusCode);
        }

        await AssertRateLimitedAsync(await factory.CreateClientFrom("2001:db8:1:2:ffff:ffff:ffff:3").LoginAsync("guess-3", "password123"));
        // A different /64 is a different client.
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFrom("2001:db8:1:3::1").LoginAsync("guess-3", "password123")).StatusCode);
    }

    [Fact]
    public async Task Ipv4_clients_seen_through_a_dual_stack_socket_keep_their_own_buckets()
    {
        // Kestrel on [::] reports IPv4 peers as ::ffff:a.b.c.d; grouping IPv6 by /64 must not lump them all together.
        using var factory = Limited("Login", perIp: 2, perUser: 100);
        var first = factory.CreateClientFrom("::ffff:198.51.100.1");
        for (var i = 0; i < 2; i++)
        {
            await first.LoginAsync($"guess-{i}", "password123");
        }

        await AssertRateLimitedAsync(await first.LoginAsync("guess-2", "password123"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFrom("::ffff:198.51.100.2").LoginAsync("guess-2", "password123")).StatusCode);
    }

    [Fact]
    public async Task Registration_is_limited_per_address()
    {
        using var factory = Limited("Register", perIp: 3, perUser: 100);
        var client = factory.CreateClientFrom("203.0.113.10");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(TestApi.NewUsername())).StatusCode);
        }

        await AssertRateLimitedAsync(await client.RegisterAsync(TestApi.NewUsername()));
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClientFrom("203.0.113.11").RegisterAsync(TestApi.NewUsername())).StatusCode);
    }

    [Fact]
    public async Task Registration_is_limited_per_username_across_addresses()
    {
        // Probing whether a name is taken, from many machines, runs into the name's own bucket.
        using var factory = Limited("Register", perIp: 100, perUser: 2);
        var username = TestApi.NewUsername();

        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClientFrom("203.0.113.1").RegisterAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await factory.CreateClientFrom("203.0.113.2").RegisterAsync(username)).StatusCode);

        await AssertRateLimitedAsync(await factory.CreateClientFrom("203.0.113.3").RegisterAsync(username.ToUpperInvariant()));
    }

    [Fact]
    public async Task Password_changes_are_limited_per_account()
    {
        // Guessing the current password through the change form is bounded like guessing it at sign-in.
        using var factory = Limited("Password", perIp: 100, perUser: 2);
        var client = factory.CreateClientFrom("203.0.113.20");
        await client.SignUpAndLogInAsync();
        for (var i = 0; i < 2; i++)
        {
            var wrong = await client.PostAsJsonAsync("/auth/password", new { currentPassword = "not-my-password", newPassword = "another long passphrase " + i });
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        var limited = await client.PostAsJsonAsync("/auth/password", new { currentPassword = TestApi.StrongPassword, newPassword = "another long passphrase" });

        await AssertRateLimitedAsync(limited);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Password_changes_are_limited_per_address()
    {
        using var factory = Limited("Password", perIp: 2, perUser: 100);
        var client = factory.CreateClientFrom("203.0.113.21");
        await client.SignUpAndLogInAsync();
        for (var i = 0; i < 2; i++)
        {
            await client.PostAsJsonAsync("/auth/password", new { currentPassword = "not-my-password", newPassword = "another long passphrase " + i });
        }

        await AssertRateLimitedAsync(await client.PostAsJsonAsync("/auth/password", new { currentPassword = "not-my-password", newPassword = "another long passphrase" }));
    }

    [Fact]
    public async Task Refreshes_are_limited_per_account_and_the_limit_keeps_the_cookies()
    {
        using var factory = Limited("Refresh", perIp: 100, perUser: 3);
        var client = factory.CreateClientFrom("203.0.113.30");
        await client.SignUpAndLogInAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/auth/refresh", null)).StatusCode);
        }

        var limited = await client.PostAsync("/auth/refresh", null);

        await AssertRateLimitedAsync(limited);
        // A 429 is "slow down", not "signed out": the cookies stay, and the session is still good.
        Assert.False(limited.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Refreshes_are_limited_per_address_even_with_worthless_tokens()
    {
        using var factory = Limited("Refresh", perIp: 2, perUser: 100);
        var client = factory.CreateClientFrom("203.0.113.31", handleCookies: false);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.RefreshWithAsync(new string('A', 43))).StatusCode);
        }

        await AssertRateLimitedAsync(await client.RefreshWithAsync(new string('B', 43)));
    }

    [Fact]
    public async Task A_trusted_proxy_decides_the_client_address_so_each_forwarded_client_has_its_own_bucket()
    {
        using var factory = Limited("Login", perIp: 2, perUser: 100).With("Gatehouse:ForwardedHeaders:KnownProxies", "10.0.0.1");
        var proxy = factory.CreateClientFrom("10.0.0.1");

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaAsync(proxy, "203.0.113.1", $"guess-{i}")).StatusCode);
        }
        await AssertRateLimitedAsync(await LoginViaAsync(proxy, "203.0.113.1", "guess-2"));

        // Behind one proxy address, a second client still has a bucket of its own.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaAsync(proxy, "203.0.113.2", "guess-2")).StatusCode);
    }

    [Fact]
    public async Task A_trusted_proxy_puts_the_forwarded_address_on_the_session()
    {
        using var factory = new GatehouseFactory().WithClientAddresses().With("Gatehouse:ForwardedHeaders:KnownProxies", "10.0.0.1");
        var proxy = factory.CreateClientFrom("10.0.0.1");
        proxy.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.5");

        await proxy.SignUpAndLogInAsync();

        Assert.Equal("203.0.113.5", await SessionAddressAsync(proxy));
    }

    [Fact]
    public async Task A_forged_entry_ahead_of_the_proxys_own_is_not_believed()
    {
        // The proxy appends what it saw; what the client wrote before that is the client's word only.
        using var factory = new GatehouseFactory().WithClientAddresses().With("Gatehouse:ForwardedHeaders:KnownProxies", "10.0.0.1");
        var proxy = factory.CreateClientFrom("10.0.0.1");
        proxy.DefaultRequestHeaders.Add("X-Forwarded-For", "192.0.2.99, 203.0.113.5");

        await proxy.SignUpAndLogInAsync();

        Assert.Equal("203.0.113.5", await SessionAddressAsync(proxy));
    }

    [Fact]
    public async Task An_untrusted_peer_cannot_pick_its_address_with_x_forwarded_for()
    {
        using var factory = Limited("Login", perIp: 2, perUser: 100).With("Gatehouse:ForwardedHeaders:KnownProxies", "10.0.0.1");
        var stranger = factory.CreateClientFrom("10.0.0.2");

        // A new forged address on every try: all of them land in the peer's one bucket.
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginViaAsync(stranger, $"203.0.113.{i + 1}", $"guess-{i}")).StatusCode);
        }
        await AssertRateLimitedAsync(await LoginViaAsync(stranger, "203.0.113.3", "guess-2"));
    }

    [Fact]
    public async Task An_untrusted_peers_forwarded_address_does_not_reach_the_session()
    {
        using var factory = new GatehouseFactory().WithClientAddresses().With("Gatehouse:ForwardedHeaders:KnownProxies", "10.0.0.1");
        var stranger = factory.CreateClientFrom("10.0.0.2");
        stranger.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.5");

        await stranger.SignUpAndLogInAsync();

        Assert.Equal("10.0.0.2", await SessionAddressAsync(stranger));
    }

    [Fact]
    public async Task With_no_known_proxies_x_forwarded_for_is_ignored()
    {
        // The default: ASP.NET Core would trust loopback, Gatehouse trusts nobody until told.
        using var factory = new GatehouseFactory().WithClientAddresses();
        var client = factory.CreateClientFrom("127.0.0.1");
        client.DefaultRequestHeaders.Add("X-Forwarded-For", "203.0.113.5");

        await client.SignUpAndLogInAsync();

        Assert.Equal("127.0.0.1", await SessionAddressAsync(client));
    }

    [Theory]
    [InlineData("Gatehouse:ForwardedHeaders:KnownProxies", "10.0.0.1, proxy.internal", "'proxy.internal', which is not an IP address. List the proxies' addresses, e.g. 127.0.0.1,::1.")]
    [InlineData("Gatehouse:ForwardedHeaders:KnownNetworks", "10.0.0.0/33", "'10.0.0.0/33', which is not a network. Use CIDR form, e.g. 10.0.0.0/8.")]
    [InlineData("Gatehouse:RateLimits:Login:PerUser", "0", "Gatehouse:RateLimits:Login is PerIp=30, PerUser=0")]
    public void A_bad_forwarding_or_limit_setting_stops_start_up_with_a_fix(string key, string value, string message)
    {
        using var factory = new GatehouseFactory().With(key, value);

        var failure = factory.StartupFailure();

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    /// <summary>The app with brute-force limits on and one action's limits set small.</summary>
    private static GatehouseFactory Limited(string action, int perIp, int perUser, string window = LongWindow) =>
        new GatehouseFactory().WithClientAddresses()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With($"Gatehouse:RateLimits:{action}:PerIp", perIp.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With($"Gatehouse:RateLimits:{action}:PerUser", perUser.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With($"Gatehouse:RateLimits:{action}:Window", window);

    private static async Task<string> RegisterAsync(GatehouseFactory factory)
    {
        var username = TestApi.NewUsername();
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClientFrom("192.0.2.1").RegisterAsync(username)).StatusCode);
        return username;
    }

    /// <summary>Asserts the 429 problem and returns its Retry-After in whole seconds.</summary>
    private static async Task<int> AssertRateLimitedAsync(HttpResponseMessage response)
    {
        var problem = await response.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        // Retry-After as delta-seconds (RFC 9110): a whole number, at least one.
        var header = Assert.Single(response.Headers.GetValues("Retry-After"));
        Assert.Matches("^[0-9]+$", header);
        var seconds = int.Parse(header, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(seconds >= 1, $"Retry-After was {header}");
        Assert.Equal(seconds, problem.GetProperty("retryAfter").GetInt32());
        return seconds;
    }

    private static Task<HttpResponseMessage> LoginViaAsync(HttpClient proxy, string forwardedFor, string username)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login")
        {
            Content = JsonContent.Create(new { username, password = "password123" }),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return proxy.SendAsync(request);
    }

    private static async Task<string?> SessionAddressAsync(HttpClient client)
    {
        var body = await (await client.GetAsync("/auth/sessions")).JsonAsync(HttpStatusCode.OK);
        return body.GetProperty("sessions").EnumerateArray().Single().GetProperty("ipAddress").GetString();
    }

    private static string Without(JsonElement problem, string property) =>
        JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name != property).ToDictionary(p => p.Name, p => p.Value));
}
