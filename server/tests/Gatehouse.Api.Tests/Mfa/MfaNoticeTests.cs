using System.Net;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Accounts;
using Gatehouse.Api.Tests.Infrastructure;
using MimeKit;

namespace Gatehouse.Api.Tests.Mfa;

/// <summary>Second-factor changes as the owner's mailbox and the operator's logs see them.</summary>
public sealed class MfaNoticeTests : IAsyncLifetime
{
    private SmtpSink _sink = null!;
    private GatehouseFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _sink = await SmtpSink.StartAsync();
        _factory = new GatehouseFactory().WithSmtp(_sink);
    }

    private async Task<(HttpClient Client, string Username, string Email)> VerifiedSignedInAsync()
    {
        var (username, email) = await _factory.SignUpVerifiedAsync(_sink);
        var client = _factory.CreateClient();
        (await client.LoginAsync(username)).EnsureSuccessStatusCode();
        return (client, username, email);
    }

    private Task<MimeMessage> MailAsync(string email, string subject) =>
        _sink.WaitForAsync(email, m => (m.Subject ?? "").Contains(subject, StringComparison.Ordinal));

    [Fact]
    public async Task Turning_the_app_on_and_off_and_new_codes_each_send_a_notice_with_no_secret_in_it()
    {
        var (client, _, email) = await VerifiedSignedInAsync();
        var (key, first) = await _factory.EnableTotpAsync(client);
        var second = MfaApi.Codes(await (await client.NewRecoveryCodesAsync()).JsonAsync(HttpStatusCode.OK));
        (await client.DisableAsync()).EnsureSuccessStatusCode();

        var mails = new[]
        {
            await MailAsync(email, "An authenticator app was set up"),
            await MailAsync(email, "New recovery codes were made"),
            await MailAsync(email, "The authenticator app was turned off"),
        };

        foreach (var mail in mails)
        {
            var text = mail.TextBody + mail.HtmlBody;
            Assert.Contains("reset your password", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(key, text, StringComparison.OrdinalIgnoreCase);
            Assert.All(first.Concat(second), code => Assert.DoesNotContain(code, text, StringComparison.OrdinalIgnoreCase));
        }
        Assert.Equal(1, await _factory.OutboxCountAsync(email, MailKinds.TotpEnabled));
        Assert.Equal(1, await _factory.OutboxCountAsync(email, MailKinds.TotpDisabled));
        // Confirming made the first codes without a notice of its own: the "set up" mail covers it.
        Assert.Equal(1, await _factory.OutboxCountAsync(email, MailKinds.RecoveryCodesGenerated));
    }

    [Fact]
    public async Task An_unverified_address_gets_no_notice()
    {
        var (client, username) = await _factory.SignedInAsync();

        await _factory.EnableTotpAsync(client);
        (await client.NewRecoveryCodesAsync()).EnsureSuccessStatusCode();
        (await client.DisableAsync()).EnsureSuccessStatusCode();

        var email = TestApi.EmailFor(username);
        Assert.Equal(0, await _factory.OutboxCountAsync(email, MailKinds.TotpEnabled));
        Assert.Equal(0, await _factory.OutboxCountAsync(email, MailKinds.RecoveryCodesGenerated));
        Assert.Equal(0, await _factory.OutboxCountAsync(email, MailKinds.TotpDisabled));
    }

    [Fact]
    public async Task No_key_code_or_recovery_code_reaches_the_logs()
    {
        var (client, _, email) = await VerifiedSignedInAsync();
        var key = await client.SetupKeyAsync();
        var wrong = _factory.Code(key, 5);
        await client.ConfirmAsync(wrong);
        var code = _factory.Code(key);
        var first = MfaApi.Codes(await (await client.ConfirmAsync(code)).JsonAsync(HttpStatusCode.OK));
        var second = MfaApi.Codes(await (await client.NewRecoveryCodesAsync()).JsonAsync(HttpStatusCode.OK));
        await MailAsync(email, "New recovery codes were made");

        var logs = _factory.Logs.All;
        Assert.Contains("totp_enabled", logs, StringComparison.Ordinal); // the audit events are logged, without values
        Assert.DoesNotContain(key, logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(code, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, logs, StringComparison.Ordinal);
        Assert.All(first.Concat(second), c => Assert.DoesNotContain(c, logs, StringComparison.OrdinalIgnoreCase));
    }

    public async Task DisposeAsync()
    {
        _factory.Dispose();
        await _sink.DisposeAsync();
    }
}
