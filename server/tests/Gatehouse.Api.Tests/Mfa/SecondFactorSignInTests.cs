using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Accounts;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Mfa;

public sealed class SecondFactorSignInTests
{
    [Fact]
    public async Task A_right_password_for_an_account_with_totp_answers_mfa_required_with_a_pending_cookie_and_no_session()
    {
        using var factory = new GatehouseFactory();
        var (username, _) = await factory.SignUpWithTotpAsync();
        await factory.RecoveryCodesAsync(username);

        var login = await factory.CreateClient().LoginAsync(username);

        Assert.Equal("{\"mfaRequired\":true,\"methods\":[\"totp\",\"recovery_code\"]}", await login.Content.ReadAsStringAsync());
        Assert.Null(TestApi.AccessTokenCookie(login));
        Assert.Null(TestApi.RefreshTokenCookie(login));
        var pending = TestApi.Cookie(login, "mfa_pending")!;
        Assert.True(pending.HttpOnly);
        Assert.Equal(factory.Time.GetUtcNow() + TimeSpan.FromMinutes(5), pending.Expires);
        Assert.Equal(0, factory.SessionCount(username));
        Assert.Equal(["second_factor_requested:success"], factory.Query(db => db.AuditEvents
            .Where(e => e.Event.StartsWith("second_factor")).Select(e => e.Event + ":" + e.Outcome).ToList()));
    }

    [Fact]
    public async Task A_user_without_a_second_factor_gets_exactly_the_original_login_answer()
    {
        using var factory = new GatehouseFactory();
        var username = TestApi.NewUsername();
        await factory.CreateClient().RegisterAsync(username);

        var login = await factory.CreateClient().LoginAsync(username);

        Assert.Equal("{\"success\":true,\"message\":\"User logged in\"}", await login.Content.ReadAsStringAsync());
        Assert.NotNull(TestApi.AccessTokenCookie(login));
        Assert.Null(SecondFactorSignInApi.PendingCookie(login));
        Assert.Equal(["pwd"], SecondFactorSignInApi.Amr(TestApi.AccessTokenCookie(login)!.Value.ToString()));
    }

    [Fact]
    public async Task The_right_code_starts_a_session_whose_token_says_pwd_otp_mfa_and_when()
    {
        using var factory = new GatehouseFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var client = await factory.PendingAsync(username);

        var finish = await client.CodeAsync(factory.Code(key));

        Assert.Equal("{\"success\":true,\"message\":\"User logged in\"}", await finish.Content.ReadAsStringAsync());
        var access = TestApi.AccessTokenCookie(finish)!.Value.ToString();
        Assert.NotNull(TestApi.RefreshTokenCookie(finish));
        Assert.Equal(["pwd", "otp", "mfa"], SecondFactorSignInApi.Amr(access));
        Assert.Equal(factory.Time.GetUtcNow(), SecondFactorSignInApi.AuthTime(access));
        // The pending cookie goes with it, and the browser is signed in.
        Assert.True(TestApi.Cookie(finish, "mfa_pending")!.Expires < factory.Time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
        var session = factory.Query(db => db.Sessions.Single(s => db.Users.Any(u => u.Id == s.UserId && u.UserName == username)));
        Assert.Equal("pwd otp mfa", session.AuthMethods);
        Assert.Equal(["second_factor_requested:success", "second_factor:success", "sign_in:success"], factory.Query(db => db.AuditEvents
            .Where(e => e.Event.StartsWith("second_factor") || e.Event == "sign_in").OrderBy(e => e.Id).Select(e => e.Event + ":" + e.Outcome).ToList()));
    }

    [Fact]
    public async Task A_recovery_code_finishes_a_sign_in_once_and_its_owner_is_told_how_many_remain()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, _) = await factory.SignUpWithTotpAsync();
        await factory.MarkVerifiedAsync(username);
        var codes = await factory.RecoveryCodesAsync(username);

        var finish = await (await factory.PendingAsync(username)).RecoveryCodeAsync(codes[3]);

        Assert.Equal(HttpStatusCode.OK, finish.StatusCode);
        Assert.Equal(["pwd", "otp", "mfa"], SecondFactorSignInApi.Amr(TestApi.AccessTokenCookie(finish)!.Value.ToString()));
        var notice = await sink.WaitForAsync(TestApi.EmailFor(username), m => (m.Subject ?? "").EndsWith("A recovery code was used", StringComparison.Ordinal));
        Assert.Contains("9 recovery codes remain", notice.TextBody);
        Assert.DoesNotContain(codes[3], notice.TextBody);
        Assert.Equal(1, factory.Query(db => db.AuditEvents.Count(e => e.Event == "recovery_code_used" && e.Outcome == "success")));

        var again = await (await factory.PendingAsync(username)).RecoveryCodeAsync(codes[3]);

        Assert.Equal("recovery_code_invalid", await again.CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Null(TestApi.AccessTokenCookie(again));
        Assert.Equal(1, await factory.QueryAsync(db => db.Outbox.CountAsync(m => m.Kind == MailKinds.RecoveryCodeUsed)));
    }

    [Fact]
    public async Task A_recovery_code_notice_goes_to_a_verified_address_only()
    {
        using var factory = new GatehouseFactory();
        var (username, _) = await factory.SignUpWithTotpAsync();
        var codes = await factory.RecoveryCodesAsync(username);

        Assert.Equal(HttpStatusCode.OK, (await (await factory.PendingAsync(username)).RecoveryCodeAsync(codes[0])).StatusCode);

        Assert.Equal(0, await factory.QueryAsync(db => db.Outbox.CountAsync(m => m.Kind == MailKinds.RecoveryCodeUsed)));
        Assert.Equal(1, factory.Query(db => db.AuditEvents.Count(e => e.Event == "recovery_code_used")));
    }

    [Fact]
    public async Task A_pending_sign_in_works_until_five_minutes_after_the_password_and_not_at_five()
    {
        using var factory = new GatehouseFactory();
        var (early, _) = await factory.SignUpWithTotpAsync();
        var (late, _) = await factory.SignUpWithTotpAsync();
        var earlyCodes = await factory.RecoveryCodesAsync(early);
        var lateCodes = await factory.RecoveryCodesAsync(late);
        var earlyClient = await factory.PendingAsync(early);
        var lateClient = await factory.PendingAsync(late);

        factory.Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await earlyClient.RecoveryCodeAsync(earlyCodes[0])).StatusCode);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var expired = await lateClient.RecoveryCodeAsync(lateCodes[0]);
        Assert.Equal("mfa_pending_invalid", await expired.CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Null(TestApi.AccessTokenCookie(expired));
    }

    [Fact]
    public async Task A_pending_sign_in_is_bound_to_the_browser_that_gave_the_password()
    {
        using var factory = new GatehouseFactory();
        var (alice, aliceKey) = await factory.SignUpWithTotpAsync();
        var (bob, _) = await factory.SignUpWithTotpAsync();
        var aliceBrowser = await factory.PendingAsync(alice);
        var bobBrowser = await factory.PendingAsync(bob);

        // Another browser without the cookie, or with a made-up one, has nothing to finish.
        var bare = await factory.Bare().CodeAsync(factory.Code(aliceKey));
        Assert.Equal("mfa_pending_invalid", await bare.CodeOfAsync(HttpStatusCode.Unauthorized));
        var forged = new HttpRequestMessage(HttpMethod.Post, "/auth/login/mfa") { Content = JsonContent.Create(new { code = factory.Code(aliceKey) }) };
        forged.Headers.Add("Cookie", $"mfa_pending={new string('A', 43)}");
        Assert.Equal("mfa_pending_invalid", await (await factory.Bare().SendAsync(forged)).CodeOfAsync(HttpStatusCode.Unauthorized));
        // A browser with a pending sign-in of its own finishes that one only: alice's code is wrong for bob.
        Assert.Equal("code_invalid", await (await bobBrowser.CodeAsync(factory.Code(aliceKey))).CodeOfAsync(HttpStatusCode.Unauthorized));

        var finish = await aliceBrowser.CodeAsync(factory.Code(aliceKey));
        Assert.Equal(HttpStatusCode.OK, finish.StatusCode);
        Assert.Equal(0, factory.SessionCount(bob));
    }

    [Fact]
    public async Task Five_wrong_codes_use_a_pending_sign_in_up()
    {
        using var factory = new GatehouseFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var client = await factory.PendingAsync(username);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("code_invalid", await (await client.CodeAsync(factory.WrongCode(key))).CodeOfAsync(HttpStatusCode.Unauthorized));
        }
        var right = await client.CodeAsync(factory.Code(key));

        Assert.Equal("mfa_pending_invalid", await right.CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal(0, factory.SessionCount(username));
        Assert.Equal(5, factory.Query(db => db.AuditEvents.Count(e => e.Event == "second_factor" && e.Outcome == "code_invalid")));
    }

    [Fact]
    public async Task Wrong_codes_count_toward_the_account_lockout_and_a_locked_account_cannot_finish()
    {
        using var factory = new GatehouseFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var codes = await factory.RecoveryCodesAsync(username);
        // Three browsers the account does not know (no device cookie): their failures count on the account.
        var first = await factory.PendingAsync(username);
        var second = await factory.PendingAsync(username);
        var third = await factory.PendingAsync(username);

        for (var i = 0; i < 5; i++)
        {
            await first.CodeAsync(factory.WrongCode(key));
        }
        for (var i = 0; i < 4; i++)
        {
            await second.RecoveryCodeAsync("aaaaa-bbbbb");
        }
        Assert.Equal(9, factory.Query(db => db.Users.Single(u => u.UserName == username).AccessFailedCount));
        // The tenth wrong answer (Identity's MaxFailedAccessAttempts) locks the account.
        Assert.Equal("code_invalid", await (await third.CodeAsync(factory.WrongCode(key))).CodeOfAsync(HttpStatusCode.Unauthorized));

        Assert.Equal("mfa_pending_invalid", await (await second.RecoveryCodeAsync(codes[0])).CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal("mfa_pending_invalid", await (await third.CodeAsync(factory.Code(key))).CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().LoginAsync(username)).StatusCode);
        Assert.Equal(0, factory.SessionCount(username));
        Assert.Equal(1, factory.Query(db => db.AuditEvents.Count(e => e.Event == "lockout")));
    }

    [Fact]
    public async Task Two_completions_racing_start_one_session()
    {
        using var factory = new GatehouseFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var login = await factory.Bare().LoginAsync(username);
        var cookie = SecondFactorSignInApi.PendingCookie(login)!;
        var code = factory.Code(key);

        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/auth/login/mfa") { Content = JsonContent.Create(new { code }) };
            request.Headers.Add("Cookie", $"mfa_pending={cookie}");
            return factory.Bare().SendAsync(request);
        }));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Unauthorized);
        Assert.Equal(1, factory.SessionCount(username));
    }

    [Fact]
    public async Task A_password_change_while_the_code_is_awaited_voids_the_pending_sign_in()
    {
        using var factory = new GatehouseFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var client = await factory.PendingAsync(username);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var user = (await users.FindByNameAsync(username))!;
            Assert.True((await users.ChangePasswordAsync(user, TestApi.StrongPassword, RecoveryApi.NewPassword)).Succeeded);
        }
        var finish = await client.CodeAsync(factory.Code(key));

        Assert.Equal("mfa_pending_invalid", await finish.CodeOfAsync(HttpStatusCode.Unauthorized));
        Assert.Equal(0, factory.SessionCount(username));
    }

    [Fact]
    public async Task Finishing_reads_the_pending_sign_in_and_its_account_in_one_statement()
    {
        using var factory = new GatehouseFactory();
        var database = DatabaseActivity.On(factory);
        var (username, key) = await factory.SignUpWithTotpAsync();
        var client = await factory.PendingAsync(username);

        database.Reset();
        var finish = await client.CodeAsync(factory.Code(key));

        Assert.Equal(HttpStatusCode.OK, finish.StatusCode);
        // The challenge, its user and the stamp check: one SELECT that joins the two tables, and no
        // other read of either (the session's writes and the code's conditional update come after).
        var reads = database.Statements.Where(sql => sql.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)).ToList();
        var challengeReads = reads.Where(sql => sql.Contains("\"AuthChallenges\"", StringComparison.Ordinal)).ToList();
        Assert.Single(challengeReads);
        Assert.Contains("\"AspNetUsers\"", challengeReads[0], StringComparison.Ordinal);
        Assert.DoesNotContain(reads, sql => sql.Contains("FROM \"AspNetUsers\"", StringComparison.Ordinal)
            && !sql.Contains("\"AuthChallenges\"", StringComparison.Ordinal) && !sql.Contains("\"KnownDevices\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_a_password_reset_the_account_still_needs_its_second_factor()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        var key = await factory.EnrollAsync(username);
        var token = await factory.ResetTokenAsync(sink, username, email);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ResetAsync(token)).StatusCode);

        var client = factory.CreateClient();
        var login = await client.LoginAsync(username, RecoveryApi.NewPassword);

        Assert.True((await login.JsonAsync(HttpStatusCode.OK)).GetProperty("mfaRequired").GetBoolean());
        Assert.Null(TestApi.AccessTokenCookie(login));
        Assert.Equal(HttpStatusCode.OK, (await client.CodeAsync(factory.Code(key))).StatusCode);
    }

    [Fact]
    public async Task The_request_must_carry_exactly_one_of_a_code_and_a_recovery_code()
    {
        using var factory = new GatehouseFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var client = await factory.PendingAsync(username);

        var none = await client.PostAsJsonAsync("/auth/login/mfa", new { });
        var both = await client.PostAsJsonAsync("/auth/login/mfa", new { code = factory.Code(key), recoveryCode = "aaaaa-bbbbb" });
        var huge = await client.CodeAsync(new string('1', 10_000));

        Assert.Equal(["code_required"], await none.ValidationCodesAsync("code"));
        Assert.Equal(["code_ambiguous"], await both.ValidationCodesAsync(""));
        Assert.Equal("code_invalid", await huge.CodeOfAsync(HttpStatusCode.Unauthorized));
        // Neither malformed request counted as an attempt; the one wrong code did.
        Assert.Equal(1, factory.Query(db => db.AuthChallenges.Single(c => c.Kind == "pending_sign_in").Attempts));
        Assert.Equal(HttpStatusCode.OK, (await client.CodeAsync(factory.Code(key))).StatusCode);
    }

    [Fact]
    public async Task Codes_at_sign_in_are_limited_per_account_across_browsers()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:SecondFactor:PerIp", "100")
            .With("Gatehouse:RateLimits:SecondFactor:PerUser", "3");
        var (username, key) = await factory.SignUpWithTotpAsync();
        var browsers = new[] { await factory.PendingAsync(username), await factory.PendingAsync(username) };

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await browsers[i % 2].CodeAsync(factory.WrongCode(key))).StatusCode);
        }
        var limited = await browsers[1].CodeAsync(factory.Code(key));

        await limited.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(0, factory.SessionCount(username));
    }
}
