using System.Net;
using Gatehouse.Api.Devices;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Security;

namespace Gatehouse.Api.Tests.Accounts;

/// <summary>Signing in with an email address in the username field, with the same defences as a username.</summary>
public sealed class SignInByEmailTests
{
    [Fact]
    public async Task The_username_field_takes_the_accounts_email_address_in_any_case()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username);

        var login = await client.LoginAsync(TestApi.EmailFor(username).ToUpperInvariant());

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var me = await (await client.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(username, me.GetProperty("username").GetString());
    }

    [Fact]
    public async Task An_unknown_address_and_a_wrong_password_by_address_get_the_same_401_as_an_unknown_username()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username);

        var unknownAddress = await client.LoginAsync($"nobody-{Guid.NewGuid():N}@example.com");
        var wrongPassword = await client.LoginAsync(TestApi.EmailFor(username), "not-the-password");
        var unknownName = await client.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..12]);

        var expected = LockoutTests.WithoutTraceId(await unknownName.ProblemAsync(HttpStatusCode.Unauthorized));
        Assert.Equal(expected, LockoutTests.WithoutTraceId(await unknownAddress.ProblemAsync(HttpStatusCode.Unauthorized)));
        Assert.Equal(expected, LockoutTests.WithoutTraceId(await wrongPassword.ProblemAsync(HttpStatusCode.Unauthorized)));
    }

    [Fact]
    public async Task By_address_an_unknown_account_and_a_wrong_password_make_the_same_database_statements()
    {
        using var factory = new GatehouseFactory();
        var database = DatabaseActivity.On(factory);
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username);
        // Warm both, so that a first query's compilation is not what differs.
        await client.LoginAsync($"warm-{Guid.NewGuid():N}@example.com", "wrong-password");
        await client.LoginAsync(TestApi.EmailFor(username), "wrong-password");

        database.Reset();
        (await client.LoginAsync($"nobody-{Guid.NewGuid():N}@example.com", "wrong-password")).Dispose();
        var unknown = Words(database);
        database.Reset();
        (await client.LoginAsync(TestApi.EmailFor(username), "wrong-password")).Dispose();
        var wrong = Words(database);

        Assert.Equal(wrong, unknown);
    }

    [Fact]
    public async Task A_browser_known_by_its_username_sign_in_is_known_when_it_signs_in_by_address()
    {
        using var factory = new GatehouseFactory();
        var owner = factory.CreateClient();
        var (username, _) = await owner.SignUpAndLogInAsync();
        // A stranger locks the account for unknown clients.
        for (var i = 0; i < 10; i++)
        {
            await factory.CreateClient().LoginAsync(TestApi.EmailFor(username), "wrong-password-" + i);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().LoginAsync(TestApi.EmailFor(username))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.LoginAsync(TestApi.EmailFor(username))).StatusCode);
    }

    private static string Words(DatabaseActivity database) =>
        string.Join(' ', database.Statements.Select(sql => sql.TrimStart().Split(' ', '\n', '\r')[0].ToUpperInvariant()));
}

/// <summary>The notices of the sign-in path: a new browser, and a lock.</summary>
public sealed class SignInNoticeTests
{
    private const string Firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

    [Fact]
    public async Task A_sign_in_from_a_new_browser_mails_the_verified_address_but_not_the_first_sign_in_nor_a_known_browser()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.SignUpVerifiedAsync(sink);
        var first = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await first.LoginAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.LoginAsync(username)).StatusCode);
        Assert.Equal(0, await factory.OutboxCountAsync(email, MailKinds.NewDeviceSignIn));

        var second = factory.CreateClient();
        second.DefaultRequestHeaders.UserAgent.ParseAdd(Firefox);
        Assert.Equal(HttpStatusCode.OK, (await second.LoginAsync(email)).StatusCode);

        var notice = await sink.WaitForAsync(email, m => (m.Subject ?? "").Contains("New sign-in", StringComparison.Ordinal));
        Assert.Contains(username, notice.TextBody);
        Assert.Contains("Firefox on Linux", notice.TextBody);
        Assert.Contains("IP address", notice.TextBody);
        Assert.Contains(factory.Time.GetUtcNow().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), notice.TextBody);
        Assert.Equal("http://localhost:3000/auth/forgot-password", SmtpSink.LinkFrom(notice)!.ToString());
        // Known now: its next sign-in, and the first browser's, mail nothing more.
        Assert.Equal(HttpStatusCode.OK, (await second.LoginAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first.LoginAsync(username)).StatusCode);
        Assert.Equal(1, await factory.OutboxCountAsync(email, MailKinds.NewDeviceSignIn));
    }

    [Fact]
    public async Task The_notice_names_the_browser_in_its_own_words_never_the_callers_user_agent_text()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.SignUpVerifiedAsync(sink);
        await factory.CreateClient().LoginAsync(username);
        var stranger = factory.CreateClient();
        stranger.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "Your-account-is-fine-see-https://evil.example/help");

        Assert.Equal(HttpStatusCode.OK, (await stranger.LoginAsync(username)).StatusCode);

        var notice = await sink.WaitForAsync(email, m => (m.Subject ?? "").Contains("New sign-in", StringComparison.Ordinal));
        Assert.DoesNotContain("evil.example", notice.TextBody);
        Assert.DoesNotContain("evil.example", notice.HtmlBody);
        Assert.Contains("an unrecognised browser", notice.TextBody);
    }

    [Fact]
    public async Task No_new_browser_notice_goes_to_an_unverified_address_or_when_the_setting_is_off()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var unverified = factory.CreateClient();
        var (username, _) = await unverified.SignUpAndLogInAsync();
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().LoginAsync(username)).StatusCode);

        using var off = new GatehouseFactory().WithSmtp(sink).With("Gatehouse:Email:NewDeviceNotices", "false");
        var (quiet, quietEmail) = await off.SignUpVerifiedAsync(sink);
        Assert.Equal(HttpStatusCode.OK, (await off.CreateClient().LoginAsync(quiet)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await off.CreateClient().LoginAsync(quiet)).StatusCode);

        Assert.Equal(0, await factory.OutboxCountAsync(TestApi.EmailFor(username), MailKinds.NewDeviceSignIn));
        Assert.Equal(0, await off.OutboxCountAsync(quietEmail, MailKinds.NewDeviceSignIn));
    }

    [Fact]
    public async Task Locking_the_account_mails_the_verified_address_once_with_what_when_where_and_what_to_do()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.SignUpVerifiedAsync(sink);
        var stranger = factory.CreateClient();
        stranger.DefaultRequestHeaders.UserAgent.ParseAdd(Firefox);

        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.LoginAsync(username, "wrong-password-" + i)).StatusCode);
        }

        var notice = await sink.WaitForAsync(email, m => (m.Subject ?? "").Contains("locked", StringComparison.Ordinal));
        Assert.Contains($"{username} was locked for 15 minutes after 10 wrong passwords", notice.TextBody);
        Assert.Contains("Firefox on Linux", notice.TextBody);
        Assert.Equal("http://localhost:3000/auth/forgot-password", SmtpSink.LinkFrom(notice)!.ToString());
        // One lock, one mail: the attempts while locked add none.
        Assert.Equal(1, await factory.OutboxCountAsync(email, MailKinds.AccountLocked));
    }

    [Fact]
    public async Task A_known_browser_locking_itself_is_no_account_lock_and_mails_nothing()
    {
        await using var sink = await SmtpSink.StartAsync();
        using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.SignUpVerifiedAsync(sink);
        var browser = factory.CreateClient();
        await browser.LoginAsync(username);

        for (var i = 0; i < 10; i++)
        {
            await browser.LoginAsync(username, "wrong-password-" + i);
        }

        Assert.NotNull(await factory.QueryAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions
            .SingleAsync(db.KnownDevices, d => d.LockedUntil != null)));
        Assert.Equal(0, await factory.OutboxCountAsync(email, MailKinds.AccountLocked));
    }
}
