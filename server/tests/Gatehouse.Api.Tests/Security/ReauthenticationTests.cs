using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Accounts;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Mfa;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Security;

public sealed class ReauthenticationTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    /// <summary>A verified user signed in with the password on a cookie client, at the factory's clock.</summary>
    private static async Task<(HttpClient Client, string Username)> SignedInAsync(GatehouseFactory factory)
    {
        var (username, _) = await factory.RegisterWithEmailAsync();
        await factory.MarkVerifiedAsync(username);
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
        return (client, username);
    }

    /// <summary>Each endpoint that needs a recent authentication, with a body that it accepts, and its success.</summary>
    public static TheoryData<string, HttpStatusCode> Guarded => new()
    {
        { "/auth/password", HttpStatusCode.NoContent },
        { "/auth/email", HttpStatusCode.Accepted },
        { "/auth/logout-all", HttpStatusCode.NoContent },
    };

    private static Task<HttpResponseMessage> CallAsync(HttpClient client, string path) => client.PostAsJsonAsync(path, path switch
    {
        "/auth/password" => (object)new { currentPassword = TestApi.StrongPassword, newPassword = RecoveryApi.NewPassword },
        "/auth/email" => new { newEmail = RecoveryApi.NewEmail(), currentPassword = TestApi.StrongPassword },
        _ => new { },
    });

    [Theory]
    [MemberData(nameof(Guarded))]
    public async Task A_guarded_endpoint_works_until_the_window_ends_and_answers_reauthentication_required_after(string path, HttpStatusCode success)
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (within, _) = await SignedInAsync(factory);
        var (after, _) = await SignedInAsync(factory);
        var signedInAt = factory.Time.GetUtcNow();

        factory.Time.Advance(Window - TimeSpan.FromSeconds(1));
        Assert.Equal(success, (await CallAsync(within, path)).StatusCode);

        factory.Time.Advance(TimeSpan.FromSeconds(2));
        // A refresh gives a new access token, not a new authentication: auth_time stays.
        var refresh = await after.PostAsync("/auth/refresh", null);
        Assert.Equal(signedInAt, SecondFactorSignInApi.AuthTime(TestApi.AccessTokenCookie(refresh)!.Value.ToString()));
        var refused = await CallAsync(after, path);

        Assert.Equal("reauthentication_required", await refused.CodeOfAsync(HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task Reauthenticating_with_the_password_renews_the_same_session_with_a_new_access_token()
    {
        using var factory = new GatehouseFactory();
        var (client, username) = await SignedInAsync(factory);
        var before = TestApi.AccessTokenCookie(await client.PostAsync("/auth/refresh", null))!.Value.ToString();
        factory.Time.Advance(Window + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/auth/refresh", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CallAsync(client, "/auth/logout-all")).StatusCode);

        var reauth = await client.ReauthenticateAsync(new { password = TestApi.StrongPassword });

        var body = await reauth.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(factory.Time.GetUtcNow(), body.GetProperty("authenticatedAt").GetDateTimeOffset());
        Assert.Equal(["pwd"], body.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        var access = TestApi.AccessTokenCookie(reauth)!.Value.ToString();
        Assert.Equal(SecondFactorSignInApi.Sid(before), SecondFactorSignInApi.Sid(access));
        Assert.Equal(factory.Time.GetUtcNow(), SecondFactorSignInApi.AuthTime(access));
        // Same session: the refresh token is not replaced, and no other session was made.
        Assert.Null(TestApi.RefreshTokenCookie(reauth));
        Assert.Equal(1, factory.SessionCount(username));
        Assert.Equal(1, factory.Query(db => db.AuditEvents.Count(e => e.Event == "reauthenticate" && e.Outcome == "success")));
        Assert.Equal(HttpStatusCode.NoContent, (await CallAsync(client, "/auth/logout-all")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_counts_toward_the_lockout_and_a_locked_account_cannot_reauthenticate()
    {
        using var factory = new GatehouseFactory();
        // Only the access token, no device cookie: failures count on the account, as for an unknown client.
        var (username, access, _) = await factory.SignInAsync();

        var wrong = await factory.SendAsync(HttpMethod.Post, "/auth/reauthenticate", access, new { password = "not the password" });

        Assert.Equal("invalid_credentials", await wrong.CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal(1, factory.Query(db => db.Users.Single(u => u.UserName == username).AccessFailedCount));
        Assert.Equal(1, factory.Query(db => db.AuditEvents.Count(e => e.Event == "reauthenticate" && e.Outcome == "wrong_password")));

        await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LockoutEnd, factory.Time.GetUtcNow() + TimeSpan.FromMinutes(15))));
        var locked = await factory.SendAsync(HttpMethod.Post, "/auth/reauthenticate", access, new { password = TestApi.StrongPassword });

        Assert.Equal("invalid_credentials", await locked.CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Null(TestApi.AccessTokenCookie(locked));
    }

    [Fact]
    public async Task Reauthenticating_with_an_authenticator_code_renews_it_and_keeps_the_session_multi_factor()
    {
        using var factory = new GatehouseFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var codes = await factory.RecoveryCodesAsync(username);
        var client = await factory.PendingAsync(username);
        Assert.Equal(HttpStatusCode.OK, (await client.RecoveryCodeAsync(codes[0])).StatusCode);
        factory.Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal("code_invalid", await (await client.ReauthenticateAsync(new { code = factory.WrongCode(key) })).CodeOfAsync(HttpStatusCode.Unauthorized));
        var reauth = await client.ReauthenticateAsync(new { code = factory.Code(key) });

        var body = await reauth.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["pwd", "otp", "mfa"], body.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        var access = TestApi.AccessTokenCookie(reauth)!.Value.ToString();
        Assert.Equal(factory.Time.GetUtcNow(), SecondFactorSignInApi.AuthTime(access));
        Assert.Equal(["pwd", "otp", "mfa"], SecondFactorSignInApi.Amr(access));

        // A recovery code is spent by it, as at sign-in.
        Assert.Equal(HttpStatusCode.OK, (await client.ReauthenticateAsync(new { recoveryCode = codes[1] })).StatusCode);
        Assert.Equal("recovery_code_invalid", await (await client.ReauthenticateAsync(new { recoveryCode = codes[1] })).CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal(2, factory.Query(db => db.AuditEvents.Count(e => e.Event == "recovery_code_used")));
    }

    [Fact]
    public async Task A_code_from_an_app_set_up_during_a_password_session_makes_that_session_multi_factor()
    {
        using var factory = new GatehouseFactory();
        var (client, username) = await SignedInAsync(factory);
        var key = await factory.EnrollAsync(username);

        var reauth = await client.ReauthenticateAsync(new { code = factory.Code(key) });

        Assert.Equal(["pwd", "otp", "mfa"], (await reauth.JsonAsync(HttpStatusCode.OK)).GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        // And the refresh that follows keeps what the re-authentication recorded.
        factory.Time.Advance(TimeSpan.FromMinutes(5));
        var refreshed = TestApi.AccessTokenCookie(await client.PostAsync("/auth/refresh", null))!.Value.ToString();
        Assert.Equal(["pwd", "otp", "mfa"], SecondFactorSignInApi.Amr(refreshed));
        Assert.Equal(factory.Time.GetUtcNow() - TimeSpan.FromMinutes(5), SecondFactorSignInApi.AuthTime(refreshed));
    }

    [Fact]
    public async Task A_code_is_refused_for_an_account_without_an_authenticator_app()
    {
        using var factory = new GatehouseFactory();
        var (client, _) = await SignedInAsync(factory);

        var reauth = await client.ReauthenticateAsync(new { code = "123456" });

        Assert.Equal("code_invalid", await reauth.CodeOfAsync(HttpStatusCode.Unauthorized));
    }

    [Fact]
    public async Task The_request_needs_exactly_one_proof_and_a_passkey_answer_needs_its_ceremony()
    {
        using var factory = new GatehouseFactory();
        var (client, _) = await SignedInAsync(factory);

        var none = await client.ReauthenticateAsync(new { });
        var two = await client.ReauthenticateAsync(new { password = TestApi.StrongPassword, code = "123456" });
        var passkey = await client.ReauthenticateAsync(new { passkey = new { ceremonyId = "x", credential = new { } } });
        var malformed = await client.ReauthenticateAsync(new { passkey = "not an answer" });
        var anonymous = await factory.Bare().ReauthenticateAsync(new { password = TestApi.StrongPassword });

        Assert.Equal(["credential_required"], await none.ValidationCodesAsync(""));
        Assert.Equal(["credential_required"], await two.ValidationCodesAsync(""));
        Assert.Equal("ceremony_invalid", await passkey.CodeOfAsync(HttpStatusCode.BadRequest));
        Assert.Equal(["passkey_credential_required"], await malformed.ValidationCodesAsync("credential"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Both_steps_are_refused_from_a_foreign_origin_and_change_nothing()
    {
        using var factory = new GatehouseFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var login = await factory.Bare().LoginAsync(username);
        var pending = SecondFactorSignInApi.PendingCookie(login)!;
        var (_, access, _) = await factory.SignInAsync();

        var finish = new HttpRequestMessage(HttpMethod.Post, "/auth/login/mfa") { Content = JsonContent.Create(new { code = factory.Code(key) }) };
        finish.Headers.Add("Cookie", $"mfa_pending={pending}");
        var reauth = TestApi.WithToken(HttpMethod.Post, "/auth/reauthenticate", access);
        reauth.Content = JsonContent.Create(new { password = TestApi.StrongPassword });
        var answers = new List<HttpResponseMessage>();
        foreach (var request in new[] { finish, reauth })
        {
            request.Headers.Remove("Origin");
            request.Headers.Add("Origin", "https://evil.example");
            var client = factory.Bare();
            client.DefaultRequestHeaders.Remove("Origin");
            answers.Add(await client.SendAsync(request));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Forbidden, a.StatusCode));
        Assert.Equal(["csrf_refused", "csrf_refused"], await Task.WhenAll(answers.Select(a => a.CodeOfAsync(HttpStatusCode.Forbidden))));
        Assert.Equal(0, factory.SessionCount(username));
        Assert.Equal(0, factory.Query(db => db.AuditEvents.Count(e => e.Event == "reauthenticate")));
    }
}
