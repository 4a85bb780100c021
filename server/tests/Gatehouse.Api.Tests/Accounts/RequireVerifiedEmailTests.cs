using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Accounts;

/// <summary><c>Gatehouse:Accounts:RequireVerifiedEmail=true</c>: no sign-in before verification, and sign-up reveals no address.</summary>
public sealed class RequireVerifiedEmailTests
{
    private static GatehouseFactory Factory(SmtpSink sink) =>
        new GatehouseFactory().WithSmtp(sink).With("Gatehouse:Accounts:RequireVerifiedEmail", "true");

    [Fact]
    public async Task Sign_up_answers_202_and_the_right_password_gets_403_email_unverified_until_the_link_is_used()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = Factory(sink);
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        var email = TestApi.EmailFor(username);

        var signUp = await client.RegisterAsync(username);
        var body = await signUp.JsonAsync(HttpStatusCode.Accepted);
        Assert.Equal(username, body.GetProperty("username").GetString());
        Assert.True(body.GetProperty("verificationSent").GetBoolean());

        var refused = await client.LoginAsync(username);
        var problem = await refused.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("email_unverified", problem.GetProperty("code").GetString());
        Assert.Null(TestApi.AccessTokenCookie(refused));
        Assert.Null(TestApi.RefreshTokenCookie(refused));
        Assert.Null(TestApi.Cookie(refused, "device_token"));
        Assert.Equal(1, await factory.AuditCountAsync(AuditEvents.SignIn, "email_unverified"));
        // A wrong password is still the generic 401: the 403 is for whoever knows the password.
        await (await client.LoginAsync(username, "not-the-password")).ProblemAsync(HttpStatusCode.Unauthorized);

        // The log-in page offers a resend; the newest link verifies, and then sign-in works.
        Assert.Equal(HttpStatusCode.Accepted, (await client.SendVerificationAsync(email)).StatusCode);
        var token = SmtpSink.TokenFrom(await sink.VerificationMailAsync(email, skip: 1));
        Assert.Equal(HttpStatusCode.OK, (await client.VerifyEmailAsync(token)).StatusCode);
        var login = await client.LoginAsync(email);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.NotNull(TestApi.AccessTokenCookie(login));
    }

    [Fact]
    public async Task Sign_up_with_a_registered_address_answers_as_a_fresh_one_makes_no_account_and_mails_the_owner()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = Factory(sink);
        var client = factory.CreateClient();
        var owner = TestApi.NewUsername("owner");
        var email = TestApi.EmailFor(owner);
        await client.RegisterAsync(owner);
        var fresh = TestApi.NewUsername("fresh");
        var intruder = TestApi.NewUsername("intruder");

        var freshAnswer = await client.RegisterAsync(fresh);
        var takenAnswer = await client.RegisterAsync(intruder, email: email.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.Accepted, takenAnswer.StatusCode);
        Assert.Equal(freshAnswer.StatusCode, takenAnswer.StatusCode);
        Assert.Equal(
            (await freshAnswer.Content.ReadAsStringAsync()).Replace(fresh, "NAME", StringComparison.Ordinal),
            (await takenAnswer.Content.ReadAsStringAsync()).Replace(intruder, "NAME", StringComparison.Ordinal));
        Assert.Equal(HeaderNames(freshAnswer), HeaderNames(takenAnswer));
        Assert.False(await factory.QueryAsync(db => db.Users.AnyAsync(u => u.UserName == intruder)));

        var notice = await sink.WaitForAsync(email, m => (m.Subject ?? "").Contains("Someone tried to sign up", StringComparison.Ordinal));
        Assert.Contains("No account was created", notice.TextBody);
        Assert.Contains("http://localhost:3000/auth/forgot-password", notice.TextBody);
        Assert.Equal(1, await factory.OutboxCountAsync(email, MailKinds.SignUpAttempt));
        Assert.Equal(1, await factory.AuditCountAsync(AuditEvents.SignUpAttemptExisting, AuditEvents.Success));

        // Usernames are public: a taken one is still said plainly.
        var takenName = await client.RegisterAsync(owner, email: $"{Guid.NewGuid():N}@example.com");
        Assert.Equal("username_taken", (await takenName.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Without_verified_addresses_required_a_taken_address_stays_a_409()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        var owner = TestApi.NewUsername();
        await client.RegisterAsync(owner);

        var again = await client.RegisterAsync(TestApi.NewUsername(), email: TestApi.EmailFor(owner));

        Assert.Equal("email_taken", (await again.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
    }

    [Fact]
    public void Requiring_verified_addresses_without_requiring_an_address_stops_start_up_with_a_fix()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:Accounts:RequireVerifiedEmail", "true")
            .With("Gatehouse:Accounts:RequireEmail", "false");

        var failure = factory.StartupFailure();

        Assert.Contains("Set Gatehouse:Accounts:RequireEmail=true", failure.Message);
    }

    private static string HeaderNames(HttpResponseMessage response) =>
        string.Join(',', response.Headers.Concat(response.Content.Headers).Select(h => h.Key.ToLowerInvariant()).Order());
}

/// <summary>
/// Runs with the other timing tests, alone: sign-up with a registered address must take as long as a
/// fresh sign-up, or its timing would say which addresses are registered.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class SignUpTimingTests
{
    private const int Attempts = 40;

    [Fact]
    public async Task Sign_up_with_a_registered_address_takes_as_long_as_a_fresh_one_within_ten_percent()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink).With("Gatehouse:Accounts:RequireVerifiedEmail", "true");
        var client = factory.CreateClient();
        var owner = TestApi.NewUsername("owner");
        await client.RegisterAsync(owner);
        var taken = TestApi.EmailFor(owner);
        // Warm both paths (JIT, EF's compiled queries, the pool) before measuring.
        for (var i = 0; i < 30; i++)
        {
            await client.RegisterAsync(TestApi.NewUsername("warm"));
            await client.RegisterAsync(TestApi.NewUsername("warm"), email: taken);
        }

        var (ratio, existing, fresh) = await PairedTiming.CompareAsync(
            () => TimeAsync(() => client.RegisterAsync(TestApi.NewUsername("again"), email: taken)),
            () => TimeAsync(() => client.RegisterAsync(TestApi.NewUsername("fresh"))),
            Attempts);
        Assert.True(Math.Abs(ratio - 1) <= 0.10, $"median registered-address {existing:F1} ms vs fresh {fresh:F1} ms (ratio {ratio:F3})");
    }

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> call)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var response = await call();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return elapsed;
    }
}
