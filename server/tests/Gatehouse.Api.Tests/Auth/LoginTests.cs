using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Net.Http.Headers;

namespace Gatehouse.Api.Tests.Auth;

public sealed class LoginTests : IClassFixture<LoginTests.Factory>
{
    /// <summary>The app with its password hasher wrapped in a counter.</summary>
    public sealed class Factory : GatehouseFactory
    {
        public CountingHasher Hasher { get; } = new();

        public Factory() => WithServices(services =>
        {
            services.RemoveAll<IPasswordHasher<User>>();
            services.AddSingleton<IPasswordHasher<User>>(provider =>
            {
                Hasher.Inner = ActivatorUtilities.CreateInstance<Argon2idPasswordHasher>(provider);
                return Hasher;
            });
        });
    }

    public sealed class CountingHasher : IPasswordHasher<User>
    {
        private int _verifications;

        public IPasswordHasher<User> Inner { get; set; } = null!;

        public int Verifications => Volatile.Read(ref _verifications);

        public string HashPassword(User user, string password) => Inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return Inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }

    private readonly Factory _factory;
    private readonly HttpClient _client;

    public LoginTests(Factory factory)
    {
        _factory = factory;
        _client = factory.CreateClient();
    }

    [Fact]
    public async Task The_demo_user_signs_in_with_the_original_designs_answer()
    {
        var response = await _client.LoginAsync("john", "password123");

        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal("User logged in", body.GetProperty("message").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task Sign_in_sets_an_httponly_lax_cookie_that_expires_with_the_token_in_development()
    {
        var username = TestApi.NewUsername();
        await _client.RegisterAsync(username);

        var response = await _client.LoginAsync(username);

        var cookie = TestApi.AccessTokenCookie(response)!;
        Assert.True(cookie.HttpOnly);
        Assert.Equal("/", cookie.Path.ToString());
        Assert.Equal(SameSiteMode.Lax, cookie.SameSite);
        Assert.False(cookie.Secure); // Development serves plain http on localhost
        Assert.Equal(_factory.Time.GetUtcNow().AddMinutes(10), cookie.Expires);
        Assert.Equal(3, cookie.Value.ToString().Split('.').Length);
    }

    [Fact]
    public async Task Usernames_are_matched_without_regard_to_case()
    {
        var response = await _client.LoginAsync("JOHN", "password123");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_get_the_same_401()
    {
        var username = TestApi.NewUsername();
        await _client.RegisterAsync(username);
        var unknown = await _client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..8], "whatever-password");
        var wrong = await _client.LoginAsync(username, "not-the-password");

        var a = await unknown.ProblemAsync(HttpStatusCode.Unauthorized);
        var b = await wrong.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_credentials", a.GetProperty("code").GetString());
        Assert.Equal(a.GetProperty("code").GetString(), b.GetProperty("code").GetString());
        Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
        Assert.Null(TestApi.AccessTokenCookie(unknown));
        Assert.Null(TestApi.AccessTokenCookie(wrong));
    }

    [Fact]
    public async Task A_name_no_database_can_hold_is_an_unknown_user_not_an_outage()
    {
        // PostgreSQL refuses NUL in text: looked up, such a name failed as a 503 "cannot reach its data".
        var response = await _client.LoginAsync("jo\0hn", "whatever-password");

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_credentials", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_unknown_user_still_costs_one_password_verification()
    {
        // Pins the timing defence: without the dummy hash, an unknown name would answer
        // in microseconds and give away that the account does not exist.
        await _client.LoginAsync("john", "password123"); // warm up (the dummy hash is made lazily)
        var before = _factory.Hasher.Verifications;

        await _client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..8], "whatever-password");

        Assert.Equal(before + 1, _factory.Hasher.Verifications);
    }

    [Fact]
    public async Task Missing_fields_are_named_in_a_400()
    {
        var response = await _client.PostAsJsonAsync("/auth/login", new { });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("username_required", problem.GetProperty("codes").GetProperty("username")[0].GetString());
        Assert.Equal("password_required", problem.GetProperty("codes").GetProperty("password")[0].GetString());
    }

    [Fact]
    public async Task Ten_failures_lock_the_account_and_the_answer_stays_the_generic_401()
    {
        var username = TestApi.NewUsername("locked");
        await _client.RegisterAsync(username);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await _client.LoginAsync(username, "wrong-password-" + i)).StatusCode);
        }

        var rightPassword = await _client.LoginAsync(username);

        var problem = await rightPassword.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_credentials", problem.GetProperty("code").GetString());
        Assert.Null(TestApi.AccessTokenCookie(rightPassword));
    }

    [Fact]
    public async Task Parallel_wrong_guesses_all_count_toward_the_lockout()
    {
        var username = TestApi.NewUsername("parallel");
        await _client.RegisterAsync(username);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => _factory.CreateClient().LoginAsync(username, "wrong-password-" + i))));

        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.LoginAsync(username)).StatusCode);
    }

    [Fact]
    public async Task A_success_resets_the_failure_count()
    {
        var username = TestApi.NewUsername("reset");
        await _client.RegisterAsync(username);
        for (var i = 0; i < 9; i++)
        {
            await _client.LoginAsync(username, "wrong-password");
        }
        Assert.Equal(HttpStatusCode.OK, (await _client.LoginAsync(username)).StatusCode);
        for (var i = 0; i < 9; i++)
        {
            await _client.LoginAsync(username, "wrong-password");
        }

        Assert.Equal(HttpStatusCode.OK, (await _client.LoginAsync(username)).StatusCode);
    }

    [Fact]
    public async Task Each_sign_in_creates_its_own_session()
    {
        var first = TestApi.AccessTokenCookie(await _client.LoginAsync("john", "password123"))!.Value.ToString();
        var second = TestApi.AccessTokenCookie(await _client.LoginAsync("john", "password123"))!.Value.ToString();

        Assert.NotEqual(Tokens.TokenTests.Claim(first, "sid"), Tokens.TokenTests.Claim(second, "sid"));
        Assert.NotEqual(Tokens.TokenTests.Claim(first, "jti"), Tokens.TokenTests.Claim(second, "jti"));
    }
}

public sealed class LockoutExpiryTests
{
    [Fact]
    public async Task A_lockout_lasts_fifteen_minutes_to_the_second()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("expiry");
        await client.RegisterAsync(username);
        for (var i = 0; i < 10; i++)
        {
            await client.LoginAsync(username, "wrong-password");
        }

        factory.Time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(username)).StatusCode);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
    }
}

public sealed class ProductionCookieTests
{
    [Fact]
    public async Task Outside_development_the_cookie_is_secure()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var client = factory.CreateClient();

        var (username, _) = await client.SignUpAndLogInAsync();
        var response = await client.LoginAsync(username);

        var cookie = TestApi.AccessTokenCookie(response)!;
        Assert.True(cookie.Secure);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteMode.Lax, cookie.SameSite);
        Assert.Equal("/", cookie.Path.ToString());
        Assert.Equal(factory.Time.GetUtcNow().AddMinutes(10), cookie.Expires);
        Assert.Null(cookie.Domain.Value); // host-only: no other subdomain receives it
    }

    [Fact]
    public async Task SameSite_is_configurable()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:Cookie:SameSite", "Strict");
        var client = factory.CreateClient();

        var (username, _) = await client.SignUpAndLogInAsync();

        Assert.Equal(SameSiteMode.Strict, TestApi.AccessTokenCookie(await client.LoginAsync(username))!.SameSite);
    }

    [Fact]
    public async Task SameSite_none_forces_secure_even_in_development()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Cookie:SameSite", "None");
        var client = factory.CreateClient();

        var response = await client.LoginAsync("john", "password123");

        var cookie = TestApi.AccessTokenCookie(response)!;
        Assert.Equal(SameSiteMode.None, cookie.SameSite);
        Assert.True(cookie.Secure);
    }

    [Fact]
    public async Task The_demo_user_exists_only_where_seeding_is_on()
    {
        using var production = new GatehouseFactory().WithEnvironment("Production");
        using var seeded = new GatehouseFactory().WithEnvironment("Production").With("Gatehouse:SeedDemoUser", "true");

        Assert.Equal(HttpStatusCode.Unauthorized, (await production.CreateClient().LoginAsync("john", "password123")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await seeded.CreateClient().LoginAsync("john", "password123")).StatusCode);
    }
}
