using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Security;

/// <summary>
/// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a stranger who
/// knows a username can lock the account for unknown clients, but not for the browser its owner
/// signed in with before; that browser's own wrong guesses lock only that browser. Browsers here are
/// clients with a cookie jar; a stranger is a client without one, or one sending a cookie by hand.
/// </summary>
public sealed class DeviceCookieTests
{
    private const int AccountLimit = 10; // Identity's MaxFailedAccessAttempts
    private const int DeviceLimit = 10; // Gatehouse:DeviceCookies:MaxFailedAttempts

    [Fact]
    public async Task A_strangers_failures_lock_the_account_for_strangers_but_the_owners_browser_that_signed_in_before_still_gets_in()
    {
        using var factory = new GatehouseFactory();
        var owner = factory.CreateClient();
        var (username, _) = await owner.SignUpAndLogInAsync();
        // Logging out ends the session but keeps the device cookie: it is the owner's way back in.
        var logout = await owner.PostAsync("/auth/logout", null);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Null(TestApi.Cookie(logout, KnownDevices.CookieBaseName));

        await LockForStrangersAsync(factory, username);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().LoginAsync(username)).StatusCode);
        var back = await owner.LoginAsync(username);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.NotNull(TestApi.AccessTokenCookie(back));
        // Its success does not open the account to the stranger.
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().LoginAsync(username)).StatusCode);
    }

    [Fact]
    public async Task A_known_browsers_own_wrong_guesses_lock_that_browser_and_not_the_account()
    {
        using var factory = new GatehouseFactory();
        var browser = factory.CreateClient();
        var (username, _) = await browser.SignUpAndLogInAsync();

        for (var i = 0; i < DeviceLimit; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.LoginAsync(username, "wrong-password-" + i)).StatusCode);
        }

        // The same generic 401 as any failure, even with the right password, for this browser alone.
        var locked = await browser.LoginAsync(username);
        Assert.Equal("invalid_credentials", (await locked.ProblemAsync(HttpStatusCode.Unauthorized)).GetProperty("code").GetString());
        Assert.Null(TestApi.AccessTokenCookie(locked));
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().LoginAsync(username)).StatusCode);
        // Its guesses never touched the account's count for unknown clients.
        Assert.Equal(0, await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.AccessFailedCount).SingleAsync()));
    }

    [Fact]
    public async Task A_locked_browser_gets_in_again_when_the_lockout_ends_to_the_second()
    {
        using var factory = new GatehouseFactory();
        var browser = factory.CreateClient();
        var (username, _) = await browser.SignUpAndLogInAsync();
        for (var i = 0; i < DeviceLimit; i++)
        {
            await browser.LoginAsync(username, "wrong-password");
        }
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().LoginAsync(username)).StatusCode); // the account is open

        factory.Time.Advance(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.LoginAsync(username)).StatusCode);
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await browser.LoginAsync(username)).StatusCode);
    }

    [Fact]
    public async Task A_forged_tampered_or_other_accounts_device_cookie_is_ignored()
    {
        using var factory = new GatehouseFactory();
        var owner = await RegisterAsync(factory);
        var ownerDevice = DeviceCookie(await factory.Bare().LoginAsync(owner));
        var other = await RegisterAsync(factory);
        var otherDevice = DeviceCookie(await factory.Bare().LoginAsync(other));
        await LockForStrangersAsync(factory, owner);

        var forged = Convert.ToBase64String(new byte[32]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var tampered = (ownerDevice[0] == 'A' ? 'B' : 'A') + ownerDevice[1..];
        foreach (var device in new[] { forged, tampered, otherDevice, ownerDevice + "A", "" })
        {
            var response = await LoginWithDeviceAsync(factory, owner, device);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"device cookie '{device}' answered {response.StatusCode}");
        }
        // The genuine cookie, for the account it was issued to, still opens it.
        Assert.Equal(HttpStatusCode.OK, (await LoginWithDeviceAsync(factory, owner, ownerDevice)).StatusCode);
    }

    [Fact]
    public async Task Wrong_guesses_through_another_accounts_device_cookie_count_toward_the_lock_for_strangers()
    {
        // An attacker's own account gives them a device cookie; it must not buy guesses at anyone else.
        using var factory = new GatehouseFactory();
        var victim = await RegisterAsync(factory);
        var attacker = await RegisterAsync(factory);
        var attackerDevice = DeviceCookie(await factory.Bare().LoginAsync(attacker));

        for (var i = 0; i < AccountLimit; i++)
        {
            await LoginWithDeviceAsync(factory, victim, attackerDevice, "wrong-password-" + i);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Bare().LoginAsync(victim)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginWithDeviceAsync(factory, attacker, attackerDevice)).StatusCode);
    }

    [Fact]
    public async Task Each_sign_in_replaces_the_device_cookie_and_the_old_one_stops_counting()
    {
        using var factory = new GatehouseFactory();
        var username = await RegisterAsync(factory);
        var first = DeviceCookie(await factory.Bare().LoginAsync(username));
        var second = DeviceCookie(await LoginWithDeviceAsync(factory, username, first));
        await LockForStrangersAsync(factory, username);

        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginWithDeviceAsync(factory, username, first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginWithDeviceAsync(factory, username, second)).StatusCode);
    }

    [Fact]
    public async Task A_device_cookie_counts_until_its_lifetime_ends_to_the_second()
    {
        using var factory = new GatehouseFactory();
        var username = await RegisterAsync(factory);
        var older = DeviceCookie(await factory.Bare().LoginAsync(username));
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var newer = DeviceCookie(await factory.Bare().LoginAsync(username));

        // The older cookie's 180 days are over; the newer one has a second left.
        factory.Time.Advance(TimeSpan.FromDays(180) - TimeSpan.FromSeconds(1));
        await LockForStrangersAsync(factory, username);

        Assert.Equal(HttpStatusCode.OK, (await LoginWithDeviceAsync(factory, username, newer)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginWithDeviceAsync(factory, username, older)).StatusCode);
    }

    [Fact]
    public async Task The_device_cookie_lives_as_long_as_configured()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:DeviceCookies:Lifetime", "30.00:00:00");
        var username = await RegisterAsync(factory);

        var cookie = TestApi.Cookie(await factory.Bare().LoginAsync(username), KnownDevices.CookieBaseName)!;

        Assert.Equal(factory.Time.GetUtcNow() + TimeSpan.FromDays(30), cookie.Expires);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Lax, cookie.SameSite);
    }

    [Fact]
    public async Task Lockouts_and_a_known_browsers_sign_in_during_one_are_audited()
    {
        using var factory = new GatehouseFactory();
        var browser = factory.CreateClient();
        var (username, _) = await browser.SignUpAndLogInAsync();
        var userId = await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.Id).SingleAsync());

        await LockForStrangersAsync(factory, username);
        var during = await browser.LoginAsync(username);
        var sessionId = Guid.Parse(Tokens.TokenTests.Claim(TestApi.AccessTokenCookie(during)!.Value.ToString(), "sid"));
        for (var i = 0; i < DeviceLimit; i++)
        {
            await browser.LoginAsync(username, "wrong-password");
        }
        await browser.LoginAsync(username);

        var events = await factory.QueryAsync(db => db.AuditEvents.Where(e => e.UserId == userId).OrderBy(e => e.Id).ToListAsync());
        var lockout = Assert.Single(events, e => e.Event == AuditEvents.Lockout);
        var bypass = Assert.Single(events, e => e.Event == AuditEvents.SignInDuringLockout);
        var deviceLockout = Assert.Single(events, e => e.Event == AuditEvents.DeviceLockout);
        Assert.Equal(AuditEvents.Success, lockout.Outcome);
        Assert.Equal((AuditEvents.Success, sessionId), (bypass.Outcome, bypass.SessionId));
        Assert.Equal(AuditEvents.Success, deviceLockout.Outcome);
        Assert.True(lockout.Id < bypass.Id && bypass.Id < deviceLockout.Id);
        // The device's lock comes with the failure that caused it; the try after it is "device_locked_out".
        Assert.Equal(events.Where(e => e.Outcome == "wrong_password").Max(e => e.Id) + 1, deviceLockout.Id);
        Assert.Equal(("sign_in", "device_locked_out"), (events[^1].Event, events[^1].Outcome));
        Assert.Contains(factory.Logs.Lines, line => line.Contains("Audit sign_in_during_lockout success", StringComparison.Ordinal));
        Assert.Contains(factory.Logs.Lines, line => line.Contains("Audit device_lockout success", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_password_change_forgets_every_other_known_browser_but_keeps_this_one()
    {
        using var factory = new GatehouseFactory();
        var laptop = factory.CreateClient();
        var (username, _) = await laptop.SignUpAndLogInAsync();
        var phone = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await phone.LoginAsync(username)).StatusCode);
        const string newPassword = "a brand new passphrase for this";

        var change = await laptop.PostAsJsonAsync("/auth/password", new { currentPassword = TestApi.StrongPassword, newPassword });
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        await LockForStrangersAsync(factory, username);

        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.LoginAsync(username, newPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.LoginAsync(username, newPassword)).StatusCode);
    }

    [Fact]
    public async Task A_stranger_filling_the_accounts_rate_limit_does_not_hold_back_the_owners_browser()
    {
        // The per-account window would otherwise be a lockout of its own: 3 tries a window by anyone.
        using var factory = new GatehouseFactory().WithClientAddresses()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:Login:PerIp", "100")
            .With("Gatehouse:RateLimits:Login:PerUser", "3")
            .With("Gatehouse:RateLimits:Login:Window", "00:10:00");
        var owner = factory.CreateClientFrom("192.0.2.1");
        var (username, _) = await owner.SignUpAndLogInAsync();

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClientFrom($"198.51.100.{i + 1}").LoginAsync(username, "wrong-password")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await factory.CreateClientFrom("198.51.100.9").LoginAsync(username)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await owner.LoginAsync(username)).StatusCode);
    }

    [Fact]
    public async Task The_janitor_deletes_known_devices_once_their_cookie_has_expired()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:DeviceCookies:Lifetime", "2.00:00:00");
        var username = await RegisterAsync(factory);
        await factory.Bare().LoginAsync(username);
        factory.Time.Advance(TimeSpan.FromDays(1));
        var live = DeviceCookie(await factory.Bare().LoginAsync(username));
        var janitor = factory.Services.GetRequiredService<SessionJanitor>();
        int Remaining() => factory.Query(db => db.KnownDevices.Count());

        factory.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        await janitor.PurgeDevicesAsync(CancellationToken.None);
        Assert.Equal(2, Remaining());
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        await janitor.PurgeDevicesAsync(CancellationToken.None);
        Assert.Equal(1, Remaining());
        Assert.Equal(HttpStatusCode.OK, (await LoginWithDeviceAsync(factory, username, live)).StatusCode);
    }

    [Theory]
    [InlineData("Gatehouse:DeviceCookies:Lifetime", "401.00:00:00", "use 1 to 400 days (browsers keep no cookie longer)")]
    [InlineData("Gatehouse:DeviceCookies:Lifetime", "12:00:00", "use 1 to 400 days")]
    [InlineData("Gatehouse:DeviceCookies:MaxFailedAttempts", "0", "use 1 to 100, e.g. 10 (default)")]
    public void A_bad_device_cookie_setting_stops_start_up_with_a_fix(string key, string value, string message)
    {
        using var factory = new GatehouseFactory().With(key, value);

        var failure = factory.StartupFailure();

        Assert.Contains($"{key} is ", failure.Message, StringComparison.Ordinal);
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    private static async Task<string> RegisterAsync(GatehouseFactory factory)
    {
        var username = TestApi.NewUsername("device");
        Assert.Equal(HttpStatusCode.Created, (await factory.Bare().RegisterAsync(username)).StatusCode);
        return username;
    }

    /// <summary>A stranger (no cookies) guesses until the account is locked for every unknown client.</summary>
    private static async Task LockForStrangersAsync(GatehouseFactory factory, string username)
    {
        var stranger = factory.Bare();
        for (var i = 0; i < AccountLimit; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.LoginAsync(username, "stranger-guess-" + i)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.LoginAsync(username)).StatusCode);
    }

    private static string DeviceCookie(HttpResponseMessage login)
    {
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return TestApi.Cookie(login, KnownDevices.CookieBaseName)!.Value.ToString();
    }

    /// <summary>A sign-in carrying <paramref name="device"/> as the device cookie and nothing else.</summary>
    private static Task<HttpResponseMessage> LoginWithDeviceAsync(GatehouseFactory factory, string username, string device, string password = TestApi.StrongPassword)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login") { Content = JsonContent.Create(new { username, password }) };
        request.Headers.Add("Cookie", $"{KnownDevices.CookieBaseName}={device}");
        return factory.Bare().SendAsync(request);
    }
}
