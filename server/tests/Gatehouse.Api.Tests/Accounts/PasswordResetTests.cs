using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Accounts;

public sealed class PasswordResetTests
{
    [Fact]
    public async Task Forgot_then_reset_ends_every_session_at_once_and_only_the_new_password_signs_in()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        var (laptopAccess, laptopRefresh) = await factory.LogInAsync(username);
        var (phoneAccess, phoneRefresh) = await factory.LogInAsync(username);

        var forgot = await factory.CreateClient().ForgotAsync(username);
        Assert.Equal(HttpStatusCode.Accepted, forgot.StatusCode);
        Assert.Equal("{\"sent\":true}", await forgot.Content.ReadAsStringAsync());
        var mail = await sink.WaitForAsync(email, RecoveryApi.IsResetLink);
        Assert.StartsWith("http://localhost:3000/auth/reset-password?token=", SmtpSink.LinkFrom(mail)!.ToString());
        Assert.Contains(username, mail.TextBody);
        Assert.Contains(SmtpSink.LinkFrom(mail)!.ToString(), mail.HtmlBody);

        var reset = await factory.CreateClient().ResetAsync(SmtpSink.TokenFrom(mail));

        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal("{\"reset\":true}", await reset.Content.ReadAsStringAsync());
        // No sign-in: a reset link alone is not a way in.
        Assert.Null(TestApi.AccessTokenCookie(reset));
        Assert.Null(TestApi.RefreshTokenCookie(reset));
        // Every session ended at once: access tokens and refresh tokens alike.
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(laptopAccess));
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(phoneAccess));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(laptopRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(phoneRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Bare().LoginAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().LoginAsync(username, RecoveryApi.NewPassword)).StatusCode);

        // The link proved the address; the notice goes to it now that it is verified.
        Assert.True(factory.Query(db => db.Users.Single(u => u.UserName == username).EmailConfirmed));
        var notice = await sink.WaitForAsync(email, m => (m.Subject ?? "").EndsWith("Your password was reset", StringComparison.Ordinal));
        Assert.StartsWith("http://localhost:3000/auth/forgot-password", SmtpSink.LinkFrom(notice)!.ToString());
        var events = factory.Query(db => db.AuditEvents.Where(e => e.Event.StartsWith("password_reset")).Select(e => e.Event + ":" + e.Outcome).ToList());
        Assert.Equal(["password_reset_requested:success", "password_reset:success"], events);
        Assert.All(factory.Query(db => db.Sessions.Where(s => s.RevokedReason == "password_reset").ToList()), s => Assert.NotNull(s.RevokedAt));
    }

    [Fact]
    public async Task A_reset_link_works_once()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        var token = await factory.ResetTokenAsync(sink, username, email);
        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(token)).StatusCode);
        var again = await client.ResetAsync(token, "yet another pass phrase");

        Assert.Equal("token_used", await again.ErrorCodeAsync(HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().LoginAsync(username, RecoveryApi.NewPassword)).StatusCode);
    }

    [Fact]
    public async Task A_reset_link_works_until_thirty_minutes_after_it_was_sent_and_not_at_thirty()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (early, earlyEmail) = await factory.RegisterWithEmailAsync();
        var (late, lateEmail) = await factory.RegisterWithEmailAsync();
        var earlyToken = await factory.ResetTokenAsync(sink, early, earlyEmail);
        var lateToken = await factory.ResetTokenAsync(sink, late, lateEmail);
        var client = factory.CreateClient();

        factory.Time.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(earlyToken)).StatusCode);
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var expired = await client.ResetAsync(lateToken);

        Assert.Equal("token_expired", await expired.ErrorCodeAsync(HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().LoginAsync(late)).StatusCode);
    }

    [Fact]
    public async Task A_password_change_voids_a_reset_link_sent_before_it()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        var token = await factory.ResetTokenAsync(sink, username, email);
        var (access, _) = await factory.LogInAsync(username);

        var change = await factory.SendAsync(HttpMethod.Post, "/auth/password", access,
            new { currentPassword = TestApi.StrongPassword, newPassword = "the changed pass phrase" });
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        var reset = await factory.CreateClient().ResetAsync(token);

        Assert.Equal("token_used", await reset.ErrorCodeAsync(HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().LoginAsync(username, "the changed pass phrase")).StatusCode);
    }

    [Fact]
    public async Task A_newer_request_voids_the_older_link()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        var first = await factory.ResetTokenAsync(sink, username, email);
        // By address this time: either names the account.
        var second = await factory.ResetTokenAsync(sink, email.ToUpperInvariant(), email);
        var client = factory.CreateClient();

        Assert.NotEqual(first, second);
        Assert.Equal("token_used", await (await client.ResetAsync(first)).ErrorCodeAsync(HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(second)).StatusCode);
    }

    [Fact]
    public async Task Unknown_names_and_addresses_get_the_same_answer_and_no_mail_is_sent()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        var client = factory.CreateClient();
        var stranger = RecoveryApi.NewEmail("stranger");

        var byName = await client.ForgotAsync("nobody-" + Guid.NewGuid().ToString("N")[..12]);
        var byAddress = await client.ForgotAsync(stranger);
        var existing = await client.ForgotAsync(username);

        Assert.All(new[] { byName, byAddress, existing }, response => Assert.Equal(HttpStatusCode.Accepted, response.StatusCode));
        var bodies = await Task.WhenAll(new[] { byName, byAddress, existing }.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        // Each request is queued once its answer is sent, so the three may be handled in any order:
        // wait for all three audit rows before judging the mail.
        List<string> Outcomes() => factory.Query(db => db.AuditEvents.Where(e => e.Event == AuditEvents.PasswordResetRequested).Select(e => e.Outcome).ToList());
        await Eventually.HoldsAsync(() => Task.FromResult(Outcomes().Count == 3), "all three requests are handled");
        Assert.Equal(["success", "unknown_user", "unknown_user"], Outcomes().Order(StringComparer.Ordinal));
        await sink.WaitForAsync(email, RecoveryApi.IsResetLink);
        Assert.Empty(sink.To(stranger));
        Assert.All(sink.Received, m => Assert.Equal(email, m.To.Mailboxes.Single().Address));
    }

    [Fact]
    public async Task The_reset_link_comes_from_the_configured_web_url_whatever_host_the_request_names()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink).With("Gatehouse:PublicWebUrl", "https://app.example.com/");
        var (username, email) = await factory.RegisterWithEmailAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/password/forgot") { Content = JsonContent.Create(new { username }) };
        request.Headers.Host = "evil.example";
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        request.Headers.Add("X-Forwarded-Proto", "http");

        Assert.Equal(HttpStatusCode.Accepted, (await factory.CreateClient().SendAsync(request)).StatusCode);
        var mail = await sink.WaitForAsync(email, RecoveryApi.IsResetLink);

        Assert.StartsWith("https://app.example.com/auth/reset-password?token=", SmtpSink.LinkFrom(mail)!.ToString());
        Assert.DoesNotContain("evil.example", mail.TextBody);
        Assert.DoesNotContain("evil.example", mail.HtmlBody);
    }

    [Fact]
    public async Task A_reset_applies_the_sign_up_password_rules_and_keeps_the_link_for_another_try()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        var token = await factory.ResetTokenAsync(sink, username, email);
        var client = factory.CreateClient();

        Assert.Equal(["password_length"], await (await client.ResetAsync(token, "short")).ValidationCodesAsync("newPassword"));
        Assert.Equal(["password_common"], await (await client.ResetAsync(token, "password123")).ValidationCodesAsync("newPassword"));
        Assert.Equal(["password_required"], await (await client.ResetAsync(token, "")).ValidationCodesAsync("newPassword"));

        Assert.Equal(HttpStatusCode.OK, (await client.ResetAsync(token)).StatusCode);
    }

    [Fact]
    public async Task A_reset_opens_an_account_locked_by_wrong_guesses()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        for (var i = 0; i < 10; i++)
        {
            await factory.Bare().LoginAsync(username, "wrong-guess-" + i);
        }
        var token = await factory.ResetTokenAsync(sink, username, email);

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ResetAsync(token)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().LoginAsync(username, RecoveryApi.NewPassword)).StatusCode);
    }

    [Fact]
    public async Task A_password_change_notifies_a_verified_address_and_never_an_unverified_one()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (verified, verifiedEmail) = await factory.RegisterWithEmailAsync();
        var (unverified, unverifiedEmail) = await factory.RegisterWithEmailAsync();
        await factory.MarkVerifiedAsync(verified);

        foreach (var username in new[] { unverified, verified })
        {
            var (access, _) = await factory.LogInAsync(username);
            var change = await factory.SendAsync(HttpMethod.Post, "/auth/password", access,
                new { currentPassword = TestApi.StrongPassword, newPassword = "the changed pass phrase" });
            Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        }

        var notice = await sink.WaitForAsync(verifiedEmail, m => (m.Subject ?? "").EndsWith("Your password was changed", StringComparison.Ordinal));
        Assert.Contains(verified, notice.TextBody);
        Assert.StartsWith("http://localhost:3000/auth/forgot-password", SmtpSink.LinkFrom(notice)!.ToString());
        // The outbox is written in the request, so its rows are the whole truth about what will be sent
        // (the unverified address has its sign-up's verification mail, and nothing about the password).
        Assert.Equal(0, await factory.QueryAsync(db => db.Outbox.CountAsync(m => m.To == unverifiedEmail && m.Kind == MailKinds.PasswordChanged)));
        Assert.Equal(1, await factory.QueryAsync(db => db.Outbox.CountAsync(m => m.To == verifiedEmail && m.Kind == MailKinds.PasswordChanged)));
    }
}
