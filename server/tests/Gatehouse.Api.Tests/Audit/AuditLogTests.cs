using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Audit;

/// <summary>
/// Each security event leaves a row in AuditEvents (read here as an operator would, straight from
/// the database) and a structured log event, and neither ever holds a password or a token.
/// </summary>
public sealed class AuditLogTests : IClassFixture<AuditLogTests.Factory>
{
    /// <summary>The app with client addresses, so rows can be checked for the caller's address.</summary>
    public sealed class Factory : GatehouseFactory
    {
        public Factory() => this.WithClientAddresses();
    }

    private readonly Factory _factory;

    // One address and one user agent per test: rows without a user (an unknown name) are found by them.
    private readonly string _address = $"198.51.100.{Random.Shared.Next(1, 255)}";
    private readonly string _userAgent = $"AuditLogTests/{Guid.NewGuid():N}";

    public AuditLogTests(Factory factory) => _factory = factory;

    [Fact]
    public async Task A_successful_sign_in_is_recorded_with_user_session_address_and_user_agent()
    {
        var client = Client();
        var username = await RegisterAsync(client);

        var login = await client.LoginAsync(username);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var userId = await UserIdAsync(username);
        var sessionId = Guid.Parse(Tokens.TokenTests.Claim(TestApi.AccessTokenCookie(login)!.Value.ToString(), "sid"));
        var row = Assert.Single(await EventsAsync(userId), e => e.Event == AuditEvents.SignIn);
        Assert.Equal(AuditEvents.Success, row.Outcome);
        Assert.Equal(sessionId, row.SessionId);
        Assert.Equal(_address, row.IpAddress);
        Assert.Equal(_userAgent, row.UserAgent);
        Assert.Equal(_factory.Time.GetUtcNow(), row.At);
        AssertLogged("sign_in", "success", userId, sessionId);
    }

    [Fact]
    public async Task A_sign_in_as_an_unknown_user_is_recorded_without_a_user()
    {
        var client = Client();

        await client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..12], "whatever-password");

        var row = Assert.Single(await EventsFromThisTestAsync());
        Assert.Equal((AuditEvents.SignIn, "unknown_user"), (row.Event, row.Outcome));
        Assert.Null(row.UserId);
        Assert.Null(row.SessionId);
        Assert.Equal(_address, row.IpAddress);
        Assert.Contains(_factory.Logs.Lines, line => line.Contains("Audit sign_in unknown_user", StringComparison.Ordinal) && line.Contains(_address, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_password_is_recorded_against_the_user()
    {
        var client = Client();
        var username = await RegisterAsync(client);

        await client.LoginAsync(username, "not-the-password");

        var userId = await UserIdAsync(username);
        var row = Assert.Single(await EventsAsync(userId), e => e.Event == AuditEvents.SignIn);
        Assert.Equal("wrong_password", row.Outcome);
        Assert.Null(row.SessionId);
        Assert.Equal(_address, row.IpAddress);
        AssertLogged("sign_in", "wrong_password", userId);
    }

    [Fact]
    public async Task The_tenth_wrong_password_is_recorded_as_a_lockout_and_later_tries_as_locked_out()
    {
        var client = Client();
        var username = await RegisterAsync(client);
        for (var i = 0; i < 10; i++)
        {
            await client.LoginAsync(username, "wrong-password-" + i);
        }
        await client.LoginAsync(username); // the right password, while locked

        var userId = await UserIdAsync(username);
        var events = await EventsAsync(userId);
        Assert.Equal(10, events.Count(e => e is { Event: AuditEvents.SignIn, Outcome: "wrong_password" }));
        var lockout = Assert.Single(events, e => e.Event == AuditEvents.Lockout);
        Assert.Equal(AuditEvents.Success, lockout.Outcome);
        // The lockout comes with the failure that caused it, not before.
        Assert.Equal(events.Where(e => e.Outcome == "wrong_password").Max(e => e.Id) + 1, lockout.Id);
        Assert.Single(events, e => e is { Event: AuditEvents.SignIn, Outcome: "locked_out" });
        AssertLogged("lockout", "success", userId);
        AssertLogged("sign_in", "locked_out", userId);
    }

    [Fact]
    public async Task A_refresh_is_recorded()
    {
        var client = Client();
        var (userId, sessionId, _) = await SignInAsync(client);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/auth/refresh", null)).StatusCode);

        var row = Assert.Single(await EventsAsync(userId), e => e.Event == AuditEvents.Refresh);
        Assert.Equal((AuditEvents.Success, sessionId, _address, _userAgent), (row.Outcome, row.SessionId, row.IpAddress, row.UserAgent));
        AssertLogged("refresh", "success", userId, sessionId);
    }

    [Fact]
    public async Task A_retired_refresh_token_presented_after_the_grace_window_is_recorded_as_reuse()
    {
        var client = Client();
        var (userId, sessionId, login) = await SignInAsync(client);
        var retired = TestApi.RefreshTokenCookie(login)!.Value.ToString();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/auth/refresh", null)).StatusCode);
        _factory.Time.Advance(TimeSpan.FromSeconds(31)); // past the 30 s in which a retry is forgiven

        var replay = await RefreshWithAsync(retired);

        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        var row = Assert.Single(await EventsAsync(userId), e => e.Event == AuditEvents.RefreshReuse);
        Assert.Equal(("session_revoked", sessionId, _address), (row.Outcome, row.SessionId, row.IpAddress));
        AssertLogged("refresh_reuse", "session_revoked", userId, sessionId);
    }

    [Fact]
    public async Task A_logout_is_recorded()
    {
        var client = Client();
        var (userId, sessionId, _) = await SignInAsync(client);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/auth/logout", null)).StatusCode);

        var row = Assert.Single(await EventsAsync(userId), e => e.Event == AuditEvents.Logout);
        Assert.Equal((AuditEvents.Success, sessionId, _address), (row.Outcome, row.SessionId, row.IpAddress));
        AssertLogged("logout", "success", userId, sessionId);
    }

    [Fact]
    public async Task Logging_out_everywhere_is_recorded()
    {
        var client = Client();
        var (userId, sessionId, _) = await SignInAsync(client);

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/auth/logout-all", null)).StatusCode);

        var row = Assert.Single(await EventsAsync(userId), e => e.Event == AuditEvents.LogoutAll);
        Assert.Equal((AuditEvents.Success, sessionId), (row.Outcome, row.SessionId));
        AssertLogged("logout_all", "success", userId, sessionId);
    }

    [Fact]
    public async Task Revoking_another_session_is_recorded_with_the_revoked_session()
    {
        var laptop = Client();
        var (userId, _, _) = await SignInAsync(laptop);
        var phone = Client();
        var phoneLogin = await phone.LoginAsync(await UsernameAsync(userId));
        var phoneSession = Guid.Parse(Tokens.TokenTests.Claim(TestApi.AccessTokenCookie(phoneLogin)!.Value.ToString(), "sid"));

        Assert.Equal(HttpStatusCode.NoContent, (await laptop.DeleteAsync($"/auth/sessions/{phoneSession}")).StatusCode);

        var row = Assert.Single(await EventsAsync(userId), e => e.Event == AuditEvents.SessionRevoked);
        Assert.Equal((AuditEvents.Success, phoneSession), (row.Outcome, row.SessionId));
        AssertLogged("session_revoked", "success", userId, phoneSession);
    }

    [Fact]
    public async Task A_password_change_is_recorded_whether_it_fails_or_succeeds()
    {
        var client = Client();
        var (userId, sessionId, _) = await SignInAsync(client);

        var failed = await client.PostAsJsonAsync("/auth/password", new { currentPassword = "not-my-password", newPassword = "a brand new passphrase" });
        var changed = await client.PostAsJsonAsync("/auth/password", new { currentPassword = TestApi.StrongPassword, newPassword = "a brand new passphrase" });

        Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        // A successful change gives this browser a new session; the row names that one.
        var renewed = Guid.Parse(Tokens.TokenTests.Claim(TestApi.AccessTokenCookie(changed)!.Value.ToString(), "sid"));
        var rows = (await EventsAsync(userId)).Where(e => e.Event == AuditEvents.PasswordChange).ToList();
        Assert.Equal(["current_password_incorrect", AuditEvents.Success], rows.Select(r => r.Outcome));
        Assert.Equal([(sessionId, _address), (renewed, _address)], rows.Select(r => (r.SessionId, r.IpAddress)));
        AssertLogged("password_change", "current_password_incorrect", userId, sessionId);
        AssertLogged("password_change", "success", userId, renewed);
    }

    [Fact]
    public async Task No_audit_row_or_log_line_holds_a_password_or_a_token()
    {
        var client = Client();
        var username = TestApi.NewUsername("secret");
        var password = "first-" + Guid.NewGuid().ToString("N");
        var newPassword = "second-" + Guid.NewGuid().ToString("N");
        var wrongPassword = "wrong-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username, password)).StatusCode);

        // Every audited path, each carrying the secrets it could leak.
        await client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..12], wrongPassword);
        await client.LoginAsync(username, wrongPassword);
        var login = await client.LoginAsync(username, password);
        var refreshed = await client.PostAsync("/auth/refresh", null);
        _factory.Time.Advance(TimeSpan.FromSeconds(31));
        await RefreshWithAsync(TestApi.RefreshTokenCookie(login)!.Value.ToString()); // reuse: revokes the session
        var again = await client.LoginAsync(username, password);
        await client.PostAsJsonAsync("/auth/password", new { currentPassword = wrongPassword, newPassword });
        var changed = await client.PostAsJsonAsync("/auth/password", new { currentPassword = password, newPassword });
        await client.PostAsync("/auth/logout", null);

        string[] secrets =
        [
            password, newPassword, wrongPassword,
            TestApi.AccessTokenCookie(login)!.Value.ToString(), TestApi.RefreshTokenCookie(login)!.Value.ToString(),
            TestApi.AccessTokenCookie(refreshed)!.Value.ToString(), TestApi.RefreshTokenCookie(refreshed)!.Value.ToString(),
            TestApi.AccessTokenCookie(again)!.Value.ToString(), TestApi.RefreshTokenCookie(again)!.Value.ToString(),
            TestApi.AccessTokenCookie(changed)!.Value.ToString(), TestApi.RefreshTokenCookie(changed)!.Value.ToString(),
        ];
        var userId = await UserIdAsync(username);
        var rows = await EventsAsync(userId);
        Assert.Equal(
            ["sign_in wrong_password", "sign_in success", "refresh success", "refresh_reuse session_revoked", "sign_in success",
             "password_change current_password_incorrect", "password_change success", "logout success"],
            rows.Select(r => $"{r.Event} {r.Outcome}"));
        var stored = string.Join('\n', (await EventsFromThisTestAsync()).Select(r => $"{r.Event} {r.Outcome} {r.IpAddress} {r.UserAgent}"));
        var logs = _factory.Logs.All;
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
        }
        foreach (var access in secrets.Where(s => s.Split('.').Length == 3))
        {
            Assert.DoesNotContain(access.Split('.')[2], logs, StringComparison.Ordinal); // not even the signature
        }
    }

    private HttpClient Client()
    {
        var client = _factory.CreateClientFrom(_address);
        client.DefaultRequestHeaders.UserAgent.ParseAdd(_userAgent);
        return client;
    }

    private static async Task<string> RegisterAsync(HttpClient client)
    {
        var username = TestApi.NewUsername("audit");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        return username;
    }

    private async Task<(Guid UserId, Guid SessionId, HttpResponseMessage Login)> SignInAsync(HttpClient client)
    {
        var username = await RegisterAsync(client);
        var login = await client.LoginAsync(username);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var sessionId = Guid.Parse(Tokens.TokenTests.Claim(TestApi.AccessTokenCookie(login)!.Value.ToString(), "sid"));
        return (await UserIdAsync(username), sessionId, login);
    }

    /// <summary>Presents a refresh token by hand, as a thief holding a copy would.</summary>
    private Task<HttpResponseMessage> RefreshWithAsync(string refreshToken)
    {
        var thief = _factory.CreateClientFrom(_address, handleCookies: false);
        thief.DefaultRequestHeaders.UserAgent.ParseAdd(_userAgent);
        return thief.RefreshWithAsync(refreshToken);
    }

    private void AssertLogged(string eventName, string outcome, Guid userId, Guid? sessionId = null)
    {
        var expected = $"Audit {eventName} {outcome} user {userId} session {(sessionId is { } id ? id.ToString() : "")}";
        Assert.Contains(_factory.Logs.Lines, line => line.Contains(expected, StringComparison.Ordinal) && line.Contains(_address, StringComparison.Ordinal));
    }

    private async Task<Guid> UserIdAsync(string username) =>
        await _factory.QueryAsync(db => db.Users.Where(u => u.NormalizedUserName == username.ToUpperInvariant()).Select(u => u.Id).SingleAsync());

    private async Task<string> UsernameAsync(Guid userId) =>
        await _factory.QueryAsync(db => db.Users.Where(u => u.Id == userId).Select(u => u.UserName!).SingleAsync());

    private Task<List<AuditEvent>> EventsAsync(Guid userId) =>
        _factory.QueryAsync(db => db.AuditEvents.Where(e => e.UserId == userId && e.Event != AuditEvents.Register).OrderBy(e => e.Id).ToListAsync());

    private Task<List<AuditEvent>> EventsFromThisTestAsync() =>
        _factory.QueryAsync(db => db.AuditEvents.Where(e => e.UserAgent == _userAgent && e.Event != AuditEvents.Register).OrderBy(e => e.Id).ToListAsync());

}
