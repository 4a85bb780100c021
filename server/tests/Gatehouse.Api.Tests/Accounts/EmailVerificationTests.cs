using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Accounts;

public sealed class EmailVerificationTests
{
    [Fact]
    public async Task Sign_up_mails_a_link_to_the_verify_page_whose_token_verifies_the_address()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        var email = TestApi.EmailFor(username);
        var before = await (await client.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.False(before.GetProperty("emailVerified").GetBoolean());

        var mail = await sink.VerificationMailAsync(email);
        var link = SmtpSink.LinkFrom(mail)!;
        Assert.Equal("http://localhost:3000/auth/verify-email", link.GetLeftPart(UriPartial.Path));
        Assert.Contains(username, mail.TextBody);
        var verified = await client.VerifyEmailAsync(SmtpSink.TokenFrom(mail));

        var body = await verified.JsonAsync(HttpStatusCode.OK);
        Assert.Equal(email, body.GetProperty("email").GetString());
        Assert.True(body.GetProperty("emailVerified").GetBoolean());
        // The profile /auth/me answers from was forgotten, so it says so at once.
        var after = await (await client.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.True(after.GetProperty("emailVerified").GetBoolean());
        Assert.True(await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.EmailConfirmed).SingleAsync()));
        Assert.Equal(1, await factory.AuditCountAsync(AuditEvents.EmailVerified, AuditEvents.Success));
    }

    [Fact]
    public async Task A_link_verifies_once_and_then_answers_token_used()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username);
        var token = SmtpSink.TokenFrom(await sink.VerificationMailAsync(TestApi.EmailFor(username)));

        Assert.Equal(HttpStatusCode.OK, (await client.VerifyEmailAsync(token)).StatusCode);
        var again = await client.VerifyEmailAsync(token);

        var problem = await again.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("token_used", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_link_works_until_24_hours_after_it_was_sent_and_not_at_24_hours()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var early = TestApi.NewUsername();
        var late = TestApi.NewUsername();
        await client.RegisterAsync(early);
        await client.RegisterAsync(late);
        var earlyToken = SmtpSink.TokenFrom(await sink.VerificationMailAsync(TestApi.EmailFor(early)));
        var lateToken = SmtpSink.TokenFrom(await sink.VerificationMailAsync(TestApi.EmailFor(late)));

        factory.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.VerifyEmailAsync(earlyToken)).StatusCode);
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var expired = await client.VerifyEmailAsync(lateToken);

        var problem = await expired.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("token_expired", problem.GetProperty("code").GetString());
        Assert.False(await factory.QueryAsync(db => db.Users.Where(u => u.UserName == late).Select(u => u.EmailConfirmed).SingleAsync()));
    }

    [Fact]
    public async Task A_link_verifies_only_the_address_it_was_sent_to()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username);
        var token = SmtpSink.TokenFrom(await sink.VerificationMailAsync(TestApi.EmailFor(username)));
        // The address changed after the mail went out (an email change, here by hand).
        var other = $"other-{Guid.NewGuid():N}@example.com";
        await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.Email, other).SetProperty(u => u.NormalizedEmail, other.ToUpperInvariant())));

        var response = await client.VerifyEmailAsync(token);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("token_invalid", problem.GetProperty("code").GetString());
        Assert.False(await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.EmailConfirmed).SingleAsync()));
    }

    [Fact]
    public async Task Following_the_link_with_GETs_as_a_mail_scanner_does_uses_nothing()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username);
        var mail = await sink.VerificationMailAsync(TestApi.EmailFor(username));
        var link = SmtpSink.LinkFrom(mail)!;
        var token = SmtpSink.TokenFrom(mail);

        // The link's page is the web app's; whatever of it reaches the API by GET must change nothing.
        foreach (var path in new[] { link.PathAndQuery, "/auth/email/verify?token=" + token, "/auth/email/verification?token=" + token })
        {
            var scanned = await client.GetAsync(path);
            Assert.False(scanned.IsSuccessStatusCode, path);
        }
        Assert.False(await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.EmailConfirmed).SingleAsync()));

        Assert.Equal(HttpStatusCode.OK, (await client.VerifyEmailAsync(token)).StatusCode);
    }

    [Fact]
    public async Task A_signed_in_resend_mails_a_new_link_and_voids_the_older_one()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        var email = TestApi.EmailFor(username);
        var first = SmtpSink.TokenFrom(await sink.VerificationMailAsync(email));

        var resend = await client.PostAsJsonAsync("/auth/email/verification", new { });

        var body = await resend.JsonAsync(HttpStatusCode.Accepted);
        Assert.True(body.GetProperty("sent").GetBoolean());
        var second = SmtpSink.TokenFrom(await sink.VerificationMailAsync(email, skip: 1));
        Assert.NotEqual(first, second);
        var old = await client.VerifyEmailAsync(first);
        Assert.Equal("token_used", (await old.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.VerifyEmailAsync(second)).StatusCode);

        // Verified now: asking again is answered plainly (the caller sees only their own account).
        var already = await client.PostAsJsonAsync("/auth/email/verification", new { });
        Assert.Equal("email_already_verified", (await already.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_anonymous_resend_answers_the_same_whoever_is_named_and_mails_only_an_unverified_address()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var unverified = TestApi.NewUsername();
        await client.RegisterAsync(unverified);
        await sink.VerificationMailAsync(TestApi.EmailFor(unverified));
        var (verified, verifiedEmail) = await factory.SignUpVerifiedAsync(sink);

        var answers = new List<HttpResponseMessage>
        {
            await client.SendVerificationAsync(unverified),
            await client.SendVerificationAsync(TestApi.EmailFor(unverified).ToUpperInvariant()),
            await client.SendVerificationAsync(verified),
            await client.SendVerificationAsync(verifiedEmail),
            await client.SendVerificationAsync("nobody-" + Guid.NewGuid().ToString("N")[..12]),
            await client.SendVerificationAsync($"nobody-{Guid.NewGuid():N}@example.com"),
        };

        var bodies = new List<string>();
        foreach (var answer in answers)
        {
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
            bodies.Add(await answer.Content.ReadAsStringAsync());
        }
        Assert.Single(bodies.Distinct());
        Assert.Equal("{\"sent\":true}", bodies[0]);
        // Two more links for the unverified address (by name and by address), none for the verified one.
        await sink.VerificationMailAsync(TestApi.EmailFor(unverified), skip: 2);
        Assert.Equal(3, await factory.OutboxCountAsync(TestApi.EmailFor(unverified), MailKinds.VerifyEmail));
        Assert.Equal(1, await factory.OutboxCountAsync(verifiedEmail, MailKinds.VerifyEmail));
    }

    [Fact]
    public async Task A_failed_sign_up_mails_nothing()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username);
        var taken = $"taken-{Guid.NewGuid():N}@example.com";
        var weak = $"weak-{Guid.NewGuid():N}@example.com";

        Assert.Equal(HttpStatusCode.Conflict, (await client.RegisterAsync(username, email: taken)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.RegisterAsync(TestApi.NewUsername(), "password1", weak)).StatusCode);

        Assert.Equal(0, await factory.OutboxCountAsync(taken));
        Assert.Equal(0, await factory.OutboxCountAsync(weak));
        Assert.Equal(1, await factory.OutboxCountAsync(TestApi.EmailFor(username)));
    }

    [Fact]
    public async Task No_token_or_link_of_a_verification_mail_appears_in_the_logs()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        var email = TestApi.EmailFor(username);
        var first = SmtpSink.TokenFrom(await sink.VerificationMailAsync(email));
        await client.SendVerificationAsync();
        var second = SmtpSink.TokenFrom(await sink.VerificationMailAsync(email, skip: 1));
        await client.VerifyEmailAsync(first);
        await client.VerifyEmailAsync(second);
        await client.VerifyEmailAsync(second);

        var logs = factory.Logs.All;
        Assert.Contains("Audit email_verified success", logs); // the sink did capture the app's logs
        Assert.DoesNotContain(first, logs);
        Assert.DoesNotContain(second, logs);
        Assert.DoesNotContain("verify-email?token", logs);
    }

    [Fact]
    public async Task Sign_up_without_an_address_gets_email_required_unless_addresses_are_optional()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();

        var refused = await client.PostAsJsonAsync("/auth/register", new { username = TestApi.NewUsername(), password = TestApi.StrongPassword });

        var problem = await refused.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("email_required", problem.GetProperty("codes").GetProperty("email")[0].GetString());

        using var optional = new GatehouseFactory().With("Gatehouse:Accounts:RequireEmail", "false");
        var accepted = await optional.CreateClient().PostAsJsonAsync("/auth/register", new { username = TestApi.NewUsername(), password = TestApi.StrongPassword });
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Fact]
    public async Task An_account_made_without_an_address_keeps_signing_in_once_addresses_are_required()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            var username = TestApi.NewUsername("legacy");
            using (var before = GatehouseFactory.OnDirectory(directory).With("Gatehouse:Accounts:RequireEmail", "false"))
            {
                var made = await before.CreateClient().PostAsJsonAsync("/auth/register", new { username, password = TestApi.StrongPassword });
                Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            }
            using var after = GatehouseFactory.OnDirectory(directory).With("Gatehouse:Accounts:RequireVerifiedEmail", "true");
            var client = after.CreateClient();

            Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
            var me = await (await client.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
            Assert.Equal(JsonValueKind.Null, me.GetProperty("email").ValueKind);
            Assert.False(me.GetProperty("emailVerified").GetBoolean());
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    public async Task With_mail_off_the_verification_endpoints_answer_503_and_sign_up_queues_nothing()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Email:Enabled", "false");
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);

        var verify = await client.VerifyEmailAsync(new string('a', 43));
        var send = await client.SendVerificationAsync(username);

        Assert.Equal("email_disabled", (await verify.ProblemAsync(HttpStatusCode.ServiceUnavailable)).GetProperty("code").GetString());
        Assert.Equal("email_disabled", (await send.ProblemAsync(HttpStatusCode.ServiceUnavailable)).GetProperty("code").GetString());
        Assert.Equal(0, await factory.OutboxCountAsync(TestApi.EmailFor(username)));
    }

    [Fact]
    public void Requiring_verified_addresses_with_mail_off_stops_start_up_with_a_fix()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:Accounts:RequireVerifiedEmail", "true")
            .With("Gatehouse:Email:Enabled", "false");

        var failure = factory.StartupFailure();

        Assert.Contains("Gatehouse:Accounts:RequireVerifiedEmail is true but Gatehouse:Email:Enabled is false", failure.Message);
    }
}

/// <summary>Bad input to the verification endpoints: a problem+json with a stable code, never a 500.</summary>
public sealed class EmailVerificationBadInputTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Theory]
    [InlineData("{}", "token_invalid")]
    [InlineData("{\"token\":null}", "token_invalid")]
    [InlineData("{\"token\":\"\"}", "token_invalid")]
    [InlineData("{\"token\":\"short\"}", "token_invalid")]
    [InlineData("{\"token\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "token_invalid")]
    [InlineData("{\"token\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\u0000a\"}", "token_invalid")]
    public async Task A_verify_without_a_good_token_gets_400_with_the_tokens_code(string body, string code)
    {
        var response = await factory.CreateClient().PostAsync("/auth/email/verify", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(code, (await response.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/auth/email/verify", "{\"token\":42}")]
    [InlineData("/auth/email/verify", "not json")]
    [InlineData("/auth/email/verify", "[]")]
    [InlineData("/auth/email/verification", "{\"username\":[\"x\"]}")]
    [InlineData("/auth/email/verification", "{\"username\":\"x\",")]
    [InlineData("/auth/email/verification", "{\"user\":\"someone\"}")]
    public async Task Malformed_bodies_get_400(string path, string body)
    {
        var response = await factory.CreateClient().PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("null", "", "body_required")]
    [InlineData("{}", "username", "username_required")]
    [InlineData("{\"username\":\"ab\"}", "username", "username_length")]
    [InlineData("{\"username\":\"a\\u0000bcd\"}", "username", "username_characters")]
    [InlineData("{\"username\":\"john@localhost\"}", "username", "email_invalid")]
    public async Task An_anonymous_resend_naming_no_possible_account_gets_a_validation_problem(string body, string field, string code)
    {
        var response = await factory.CreateClient().PostAsync("/auth/email/verification", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(code, problem.GetProperty("codes").GetProperty(field)[0].GetString());
    }
}
