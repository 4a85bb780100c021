using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Security;

/// <summary>A locked account looks, to the caller, exactly like a wrong password or a missing account.</summary>
public sealed class LockoutTests
{
    [Fact]
    public async Task After_ten_wrong_passwords_the_right_one_gets_the_same_401_as_an_unknown_user()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("locked");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(username, "wrong-password-" + i)).StatusCode);
        }

        var locked = await client.LoginAsync(username);
        var unknown = await client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..12]);

        var lockedBody = await locked.ProblemAsync(HttpStatusCode.Unauthorized);
        var unknownBody = await unknown.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_credentials", lockedBody.GetProperty("code").GetString());
        // Every field but the per-request trace id: no word, code or field may say "locked".
        Assert.Equal(WithoutTraceId(unknownBody), WithoutTraceId(lockedBody));
        Assert.Equal(HeaderNames(unknown), HeaderNames(locked));
        Assert.Null(TestApi.AccessTokenCookie(locked));
        Assert.Null(TestApi.RefreshTokenCookie(locked));
    }

    [Fact]
    public async Task A_locked_account_opens_again_fifteen_minutes_later_for_the_right_password()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("locked");
        await client.RegisterAsync(username);
        for (var i = 0; i < 10; i++)
        {
            await client.LoginAsync(username, "wrong-password-" + i);
        }

        factory.Time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(username)).StatusCode);
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var opened = await client.LoginAsync(username);

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        Assert.NotNull(TestApi.AccessTokenCookie(opened));
    }

    internal static string WithoutTraceId(JsonElement problem) =>
        JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name != "traceId").ToDictionary(p => p.Name, p => p.Value));

    private static string HeaderNames(HttpResponseMessage response) =>
        string.Join(',', response.Headers.Concat(response.Content.Headers).Select(h => h.Key.ToLowerInvariant()).Order());
}

/// <summary>
/// Runs alone: a timing comparison with other tests hashing passwords on the same two cores
/// would measure the neighbours.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}

[Collection(TimingCollection.Name)]
public sealed class SignInTimingTests
{
    private const int Attempts = 60;

    [Fact]
    public async Task Unknown_user_and_wrong_password_take_the_same_time_within_ten_percent()
    {
        // Lockout would turn later wrong passwords into the (dummy-hash) locked path; keep every one real.
        using var factory = new GatehouseFactory()
            .WithServices(services => services.Configure<IdentityOptions>(options => options.Lockout.MaxFailedAccessAttempts = 1000));
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("timing");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        // Warm both paths past tiered JIT's recompilation (30 calls), EF query compilation, the lazily
        // made dummy hash and the connection pool, so that none of it lands inside the measurement.
        for (var i = 0; i < 40; i++)
        {
            await client.LoginAsync("nobody-warmup", "whatever-password");
            await client.LoginAsync(username, "not-the-password");
        }

        // Both are one Argon2id verification plus one audit write. Without the dummy hash the unknown
        // user would answer in a fraction of the time; a difference in database work would show here too.
        var attempt = 0;
        var (ratio, unknown, wrong) = await PairedTiming.CompareAsync(
            () => TimeAsync(() => client.LoginAsync($"nobody-{attempt++}", "not-the-password")),
            () => TimeAsync(() => client.LoginAsync(username, "not-the-password")),
            Attempts);
        Assert.True(Math.Abs(ratio - 1) <= 0.10, $"median unknown-user {unknown:F1} ms vs wrong-password {wrong:F1} ms (ratio {ratio:F3})");
    }

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> call)
    {
        var watch = Stopwatch.StartNew();
        using var response = await call();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        return elapsed;
    }
}

/// <summary>
/// The timing defence, checked without a stopwatch: an unknown user, a locked account and a wrong
/// password must make the same database statements, or the extra round trips show in the timing.
/// </summary>
public sealed class SignInDatabaseWorkTests
{
    [Fact]
    public async Task Unknown_user_locked_account_and_wrong_password_make_the_same_database_statements()
    {
        using var factory = new GatehouseFactory();
        var database = DatabaseActivity.On(factory);
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("work");
        var locked = TestApi.NewUsername("work");
        await client.RegisterAsync(username);
        await client.RegisterAsync(locked);
        for (var i = 0; i < 10; i++)
        {
            await client.LoginAsync(locked, "wrong-password");
        }

        var unknown = await StatementsDuringAsync(database, () => client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..12], "wrong-password"));
        var lockedOut = await StatementsDuringAsync(database, () => client.LoginAsync(locked, "wrong-password"));
        var wrong = await StatementsDuringAsync(database, () => client.LoginAsync(username, "wrong-password"));

        Assert.Equal(wrong, unknown);
        Assert.Equal(wrong, lockedOut);
    }

    [Fact]
    public async Task With_a_device_cookie_unknown_user_locked_device_and_wrong_password_make_the_same_database_statements()
    {
        // A known device's failures count in its own row: the statements must still not depend on
        // whether the name exists, the device is locked, or the password was merely wrong.
        using var factory = new GatehouseFactory();
        var database = DatabaseActivity.On(factory);
        var browser = factory.CreateClient();
        var (username, _) = await browser.SignUpAndLogInAsync();
        var lockedBrowser = factory.CreateClient();
        var (locked, _) = await lockedBrowser.SignUpAndLogInAsync();
        for (var i = 0; i < 10; i++)
        {
            await lockedBrowser.LoginAsync(locked, "wrong-password");
        }

        var unknown = await StatementsDuringAsync(database, () => browser.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..12], "wrong-password"));
        var lockedOut = await StatementsDuringAsync(database, () => lockedBrowser.LoginAsync(locked, "wrong-password"));
        var wrong = await StatementsDuringAsync(database, () => browser.LoginAsync(username, "wrong-password"));

        Assert.Equal(wrong, unknown);
        Assert.Equal(wrong, lockedOut);
    }

    /// <summary>The first word of each statement run while <paramref name="call"/> was answered (SELECT, INSERT, ...).</summary>
    private static async Task<string> StatementsDuringAsync(DatabaseActivity database, Func<Task<HttpResponseMessage>> call)
    {
        database.Reset();
        using var response = await call();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        return string.Join(' ', database.Statements.Select(sql => sql.TrimStart().Split(' ', '\n', '\r')[0].ToUpperInvariant()));
    }
}
