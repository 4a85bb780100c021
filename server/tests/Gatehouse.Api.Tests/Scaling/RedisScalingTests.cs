using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gatehouse.Api.Tests.Infrastructure;
using StackExchange.Redis;

namespace Gatehouse.Api.Tests.Scaling;

/// <summary>
/// Two instances of the API behind one imaginary load balancer: one SQLite database, one Redis.
/// Revocations reach the other instance within a second, rate limits are one count across both, and
/// losing Redis makes an instance slower (database on every check, per-instance counts), never
/// more permissive and never a 500.
/// </summary>
public sealed class RedisScalingTests
{
    private static readonly TimeSpan FanOutDeadline = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_session_revoked_on_one_instance_is_refused_by_the_other_within_a_second()
    {
        using var redis = RedisServer.Shared();
        using var pair = await Pair.StartAsync(redis);
        var (_, access, _) = await pair.A.SignInAsync();
        // B has checked the session and cached it as active: without the fan-out it would keep
        // answering from that entry for up to a minute.
        Assert.Equal(HttpStatusCode.OK, await pair.B.MeStatusAsync(access));

        Assert.Equal(HttpStatusCode.NoContent, (await pair.A.SendAsync(HttpMethod.Post, "/auth/logout", access)).StatusCode);

        var took = await RefusedWithinAsync(pair.B, access, FanOutDeadline);
        Assert.True(took < FanOutDeadline, $"B still accepted the revoked session after {took.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Revoking_every_session_after_a_password_change_reaches_the_other_instance()
    {
        using var redis = RedisServer.Shared();
        using var pair = await Pair.StartAsync(redis);
        var (username, laptop, _) = await pair.A.SignInAsync();
        var (phone, _) = await pair.A.LogInAsync(username);
        Assert.Equal(HttpStatusCode.OK, await pair.B.MeStatusAsync(phone));

        var change = await pair.A.SendAsync(HttpMethod.Post, "/auth/password", laptop,
            new { currentPassword = TestApi.StrongPassword, newPassword = "a brand new long passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);

        Assert.True(await RefusedWithinAsync(pair.B, phone, FanOutDeadline) < FanOutDeadline);
    }

    [Fact]
    public async Task Login_attempts_split_across_instances_count_against_one_limit()
    {
        using var redis = RedisServer.Shared();
        using var pair = await Pair.StartAsync(redis, limited: ("Login", PerIp: 100, PerUser: 4));
        var username = TestApi.NewUsername();
        Assert.Equal(HttpStatusCode.Created, (await pair.A.CreateClientFrom("192.0.2.1").RegisterAsync(username)).StatusCode);

        // Two guesses on each instance: each alone is under its limit of four, together they reach it.
        for (var i = 0; i < 4; i++)
        {
            var instance = i % 2 == 0 ? pair.A : pair.B;
            Assert.Equal(HttpStatusCode.Unauthorized, (await instance.CreateClientFrom($"198.51.100.{i + 1}").LoginAsync(username, "wrong-password")).StatusCode);
        }
        var limited = await pair.B.CreateClientFrom("198.51.100.9").LoginAsync(username);

        var problem = await limited.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 600);
        Assert.Null(TestApi.AccessTokenCookie(limited));

        // The account's counter sits under the deployment's prefix, named by a hash, never by the name.
        using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var server = client.GetServer(client.GetEndPoints()[0]);
        var keys = server.Keys(pattern: pair.KeyPrefix + "*").Select(k => k.ToString()).ToList();
        Assert.Contains(keys, k => System.Text.RegularExpressions.Regex.IsMatch(k, "^" + System.Text.RegularExpressions.Regex.Escape(pair.KeyPrefix) + "rl:login:user:[0-9a-f]{64}$"));
        Assert.DoesNotContain(keys, k => k.Contains(username, StringComparison.OrdinalIgnoreCase));
        Assert.All(keys, k => Assert.True(client.GetDatabase().KeyTimeToLive(k) is { } ttl && ttl > TimeSpan.Zero, $"{k} has no expiry"));

        // Later in the window (its key has 30 s left, not its whole minute): Retry-After says what is left.
        var userKey = keys.Single(k => k.StartsWith(pair.KeyPrefix + "rl:login:user:", StringComparison.Ordinal));
        Assert.True(await client.GetDatabase().KeyExpireAsync(userKey, TimeSpan.FromSeconds(30)));
        var later = await pair.A.CreateClientFrom("198.51.100.10").LoginAsync(username);
        Assert.InRange(int.Parse(Assert.Single(later.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture), 29, 30);
    }

    [Fact]
    public async Task Losing_redis_falls_back_to_the_database_and_local_limits_and_recovers_when_it_returns()
    {
        using var redis = RedisServer.StartOwn();
        using var pair = await Pair.StartAsync(redis, limited: ("Login", PerIp: 100, PerUser: 3));
        var (username, access, _) = await pair.A.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, await pair.B.MeStatusAsync(access)); // cached as active on B

        redis.Stop();
        await WaitForRedisHealthAsync(pair.B, "Degraded");

        // Still 200 while degraded, in the same shape: a load balancer must not pull the instance.
        var ready = await (await pair.B.CreateClient().GetAsync("/health/ready")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Degraded", ready.GetProperty("status").GetString());
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("database").GetString());

        // A revocation nobody can announce: B must find it in the database on the very next check.
        Assert.Equal(HttpStatusCode.NoContent, (await pair.A.SendAsync(HttpMethod.Post, "/auth/logout", access)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await pair.B.MeStatusAsync(access));

        // Signing in still works, and the limit still holds, counted on B alone.
        var (fresh, _) = await pair.B.LogInAsync(username);
        Assert.Equal(HttpStatusCode.OK, await pair.B.MeStatusAsync(fresh));
        var guessed = "nobody-" + Guid.NewGuid().ToString("N")[..12];
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await pair.B.CreateClientFrom($"198.51.100.{i + 1}").LoginAsync(guessed, "wrong-password")).StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);

        // One warning for the outage, not one per request, and no token in any line.
        Assert.Single(pair.BLogs.Lines, l => l.StartsWith("Warning Gatehouse.Api.Scaling.RedisConnection: Redis is unreachable", StringComparison.Ordinal));
        Assert.Single(pair.BLogs.Lines, l => l.Contains("Shared rate-limit counters are unavailable", StringComparison.Ordinal));
        Assert.DoesNotContain(fresh, pair.BLogs.All, StringComparison.Ordinal);
        Assert.DoesNotContain(pair.BLogs.Lines, l => l.Contains("Error", StringComparison.Ordinal) && l.Contains("Microsoft.AspNetCore.Diagnostics", StringComparison.Ordinal));

        // Redis returns: both instances listen again by themselves, and the fan-out works as before.
        redis.Start();
        await WaitForRedisHealthAsync(pair.A, "Healthy");
        await WaitForRedisHealthAsync(pair.B, "Healthy");
        var (again, _) = await pair.A.LogInAsync(username);
        Assert.Equal(HttpStatusCode.OK, await pair.B.MeStatusAsync(again));
        Assert.Equal(HttpStatusCode.NoContent, (await pair.A.SendAsync(HttpMethod.Post, "/auth/logout", again)).StatusCode);
        Assert.True(await RefusedWithinAsync(pair.B, again, FanOutDeadline) < FanOutDeadline);
    }

    [Fact]
    public async Task An_instance_that_starts_while_redis_is_down_serves_and_connects_once_it_is_up()
    {
        using var redis = RedisServer.StartOwn();
        redis.Stop();
        using var factory = new GatehouseFactory().With("Redis:Configuration", redis.Configuration).With("Redis:KeyPrefix", RedisServer.NewKeyPrefix());

        var (_, access, _) = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));
        await WaitForRedisHealthAsync(factory, "Degraded");

        redis.Start();
        await WaitForRedisHealthAsync(factory, "Healthy");
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));
    }

    [Fact]
    public async Task Without_redis_configured_readiness_does_not_mention_it()
    {
        using var factory = new GatehouseFactory();

        var ready = await (await factory.CreateClient().GetAsync("/health/ready")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        Assert.False(ready.GetProperty("checks").TryGetProperty("redis", out _));
    }

    [Theory]
    [InlineData("127.0.0.1:6379,ssl=maybe", "Redis:Configuration could not be read")]
    [InlineData("127.0.0.1:6379,colour=blue", "Redis:Configuration could not be read")]
    [InlineData(",", "Redis:Configuration names no server")]
    public void A_malformed_redis_configuration_stops_start_up_with_a_fix(string configuration, string message)
    {
        using var factory = new GatehouseFactory().With("Redis:Configuration", configuration);

        var failure = factory.StartupFailure();

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
        Assert.Contains("Use a StackExchange.Redis configuration string such as 127.0.0.1:6379", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_password_in_a_malformed_configuration_is_not_repeated_in_the_message()
    {
        using var factory = new GatehouseFactory().With("Redis:Configuration", "127.0.0.1:6379,password=hunter2-secret,ssl=maybe");

        var failure = factory.StartupFailure();

        Assert.DoesNotContain("hunter2-secret", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>How long until <paramref name="instance"/> refuses the token; gives up (and returns the wait) after twice the deadline.</summary>
    private static async Task<TimeSpan> RefusedWithinAsync(GatehouseFactory instance, string access, TimeSpan deadline)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < deadline * 2)
        {
            var status = await instance.MeStatusAsync(access);
            if (status == HttpStatusCode.Unauthorized)
            {
                return watch.Elapsed;
            }
            Assert.Equal(HttpStatusCode.OK, status);
            await Task.Delay(25);
        }
        return watch.Elapsed;
    }

    /// <summary>Waits until readiness reports Redis as <paramref name="expected"/>; every answer on the way must be a 200.</summary>
    private static async Task WaitForRedisHealthAsync(GatehouseFactory instance, string expected)
    {
        var client = instance.CreateClient();
        var watch = Stopwatch.StartNew();
        string? seen = null;
        while (watch.Elapsed < TimeSpan.FromSeconds(15))
        {
            var body = await (await client.GetAsync("/health/ready")).JsonAsync(HttpStatusCode.OK);
            seen = body.GetProperty("checks").TryGetProperty("redis", out var redis) ? redis.GetString() : null;
            if (seen == expected)
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail($"Readiness reported Redis as {seen ?? "absent"}, not {expected}, after 15 s");
    }

    /// <summary>Two instances over one database folder and one Redis, both listening for revocations.</summary>
    private sealed class Pair : IDisposable
    {
        private Pair(GatehouseFactory a, GatehouseFactory b, string keyPrefix)
        {
            A = a;
            B = b;
            KeyPrefix = keyPrefix;
        }

        public GatehouseFactory A { get; }

        public GatehouseFactory B { get; }

        public LogSink BLogs => B.Logs;

        public string KeyPrefix { get; }

        public static async Task<Pair> StartAsync(RedisServer redis, (string Action, int PerIp, int PerUser)? limited = null)
        {
            var prefix = RedisServer.NewKeyPrefix();
            var a = Configure(new GatehouseFactory(), redis, prefix, limited);
            a.CreateClient(); // A creates the database before B opens it
            var b = Configure(GatehouseFactory.OnDirectory(a.DataDirectory), redis, prefix, limited);
            var pair = new Pair(a, b, prefix);
            try
            {
                await WaitForRedisHealthAsync(a, "Healthy");
                await WaitForRedisHealthAsync(b, "Healthy");
            }
            catch
            {
                pair.Dispose();
                throw;
            }
            return pair;
        }

        private static GatehouseFactory Configure(GatehouseFactory factory, RedisServer redis, string prefix, (string Action, int PerIp, int PerUser)? limited)
        {
            factory.WithClientAddresses().With("Redis:Configuration", redis.Configuration).With("Redis:KeyPrefix", prefix);
            if (limited is var (action, perIp, perUser))
            {
                factory.With("Gatehouse:RateLimits:Enabled", "true")
                    .With($"Gatehouse:RateLimits:{action}:PerIp", perIp.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .With($"Gatehouse:RateLimits:{action}:PerUser", perUser.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .With($"Gatehouse:RateLimits:{action}:Window", "00:10:00");
            }
            return factory;
        }

        public void Dispose()
        {
            B.Dispose();
            A.Dispose();
        }
    }
}
