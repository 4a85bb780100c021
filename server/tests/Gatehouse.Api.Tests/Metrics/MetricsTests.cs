using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Gatehouse.Api.Metrics;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Mfa;

namespace Gatehouse.Api.Tests.Metrics;

/// <summary>
/// <c>/metrics</c> as Prometheus scrapes it, after real sign-ins, failures and refreshes. Meters are
/// listened to by name across the process, so another test's host may add to the same counters: each
/// test reads the change over its own actions and asks for at least what it did.
/// </summary>
public sealed partial class MetricsTests : IClassFixture<MetricsTests.Factory>
{
    /// <summary>Metrics on (as in Development), and client addresses, so a test can scrape from outside the allowed networks.</summary>
    public sealed class Factory : GatehouseFactory
    {
        public Factory() => this.WithClientAddresses().With("Gatehouse:Metrics:Enabled", "true");
    }

    private readonly Factory _factory;

    public MetricsTests(Factory factory) => _factory = factory;

    [Fact]
    public async Task Sign_ins_failures_second_factors_refreshes_and_session_checks_move_their_counters()
    {
        var before = await ScrapeAsync();
        var client = _factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.CreateClient().LoginAsync(username, "not the password at all")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/auth/refresh", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);

        var after = await ScrapeAsync();

        Assert.True(Delta(before, after, "gatehouse_sign_ins_total", ("outcome", "success"), ("method", "pwd")) >= 1, after);
        Assert.True(Delta(before, after, "gatehouse_sign_ins_total", ("outcome", "wrong_password"), ("method", "pwd")) >= 1, after);
        Assert.True(Delta(before, after, "gatehouse_refreshes_total", ("outcome", "success")) >= 1, after);
        Assert.True(Delta(before, after, "gatehouse_session_checks_total") >= 1, after);
        // The runtime's meters come along (ASP.NET Core's are per host: see FrameworkMetricsProcessTests).
        Assert.Contains("dotnet_gc_collections_total", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_token_reuse_a_failed_second_factor_and_a_lockout_are_counted()
    {
        var before = await ScrapeAsync();
        var (username, _, refresh) = await _factory.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await _factory.Bare().RefreshWithAsync(refresh)).StatusCode);
        _factory.Time.Advance(TimeSpan.FromSeconds(31)); // past the grace window in which a retry is forgiven
        Assert.Equal(HttpStatusCode.Unauthorized, (await _factory.Bare().RefreshWithAsync(refresh)).StatusCode);
        var key = await _factory.EnrollAsync(username);
        var mfa = _factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await mfa.LoginAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await mfa.CodeAsync(_factory.WrongCode(key))).StatusCode);
        var (victim, _, _) = await _factory.SignInAsync();
        for (var i = 0; i < 10; i++) // Identity's MaxFailedAccessAttempts
        {
            await _factory.CreateClient().LoginAsync(victim, "not the password at all");
        }

        var after = await ScrapeAsync();

        Assert.True(Delta(before, after, "gatehouse_refresh_token_reuses_total") >= 1, after);
        Assert.True(Delta(before, after, "gatehouse_second_factor_checks_total", ("outcome", "code_invalid")) >= 1, after);
        Assert.True(Delta(before, after, "gatehouse_lockouts_total", ("scope", "account")) >= 1, after);
    }

    [Fact]
    public async Task A_rate_limit_refusal_is_counted_by_action()
    {
        await using var limited = new GatehouseFactory()
            .With("Gatehouse:Metrics:Enabled", "true")
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:Login:PerIp", "1");
        var client = limited.CreateClient();
        var before = await ScrapeAsync(client);

        await client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..8], "whatever-password");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.LoginAsync("nobody", "whatever-password")).StatusCode);

        var after = await ScrapeAsync(client);
        Assert.True(Delta(before, after, "gatehouse_rate_limit_refusals_total", ("action", "Login"), ("scope", "address")) >= 1, after);
    }

    [Fact]
    public async Task Metrics_are_served_only_to_the_allowed_networks()
    {
        Assert.Equal(HttpStatusCode.OK, (await _factory.CreateClientFrom("10.1.2.3").GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _factory.CreateClientFrom("127.0.0.1").GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _factory.CreateClientFrom("203.0.113.7").GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _factory.CreateClientFrom("2001:db8::1").GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task Metrics_are_not_served_when_disabled_nor_by_default_outside_development()
    {
        await using var disabled = new GatehouseFactory().With("Gatehouse:Metrics:Enabled", "false");
        Assert.Equal(HttpStatusCode.NotFound, (await disabled.CreateClient().GetAsync("/metrics")).StatusCode);

        await using var production = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:Metrics:Enabled", null);
        Assert.Equal(HttpStatusCode.NotFound, (await production.CreateClient().GetAsync("/metrics")).StatusCode);

        await using var development = new GatehouseFactory().With("Gatehouse:Metrics:Enabled", null);
        Assert.Equal(HttpStatusCode.OK, (await development.CreateClient().GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public void An_allowed_network_that_is_not_a_network_stops_start_up_with_the_fix()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Metrics:AllowedNetworks:0", "10.0.0.0/33");
        var failure = factory.StartupFailure();
        Assert.Contains("Gatehouse:Metrics:AllowedNetworks has '10.0.0.0/33'", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_addresses_inside_the_networks_are_allowed_and_a_mapped_IPv4_address_is_judged_as_IPv4()
    {
        var networks = new MetricsOptions().Networks();
        Assert.True(MetricsExtensions.IsAllowed(IPAddress.Parse("192.168.1.9"), networks));
        Assert.True(MetricsExtensions.IsAllowed(IPAddress.Parse("::ffff:10.0.0.1"), networks));
        Assert.True(MetricsExtensions.IsAllowed(null, networks));
        Assert.False(MetricsExtensions.IsAllowed(IPAddress.Parse("172.32.0.1"), networks));
        Assert.False(MetricsExtensions.IsAllowed(IPAddress.Parse("::ffff:8.8.8.8"), networks));
    }

    private Task<string> ScrapeAsync() => ScrapeAsync(_factory.CreateClient());

    private static async Task<string> ScrapeAsync(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>How much the samples of <paramref name="name"/> with all of <paramref name="labels"/> grew between two scrapes.</summary>
    private static double Delta(string before, string after, string name, params (string Key, string Value)[] labels) =>
        Sum(after, name, labels) - Sum(before, name, labels);

    private static double Sum(string scrape, string name, (string Key, string Value)[] labels) =>
        scrape.Split('\n')
            .Select(line => Sample().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name
                && labels.All(l => m.Groups["labels"].Value.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();
}
