using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Gatehouse.Api.Tests.Accounts;

/// <summary>The verification steps as a client and a mailbox see them.</summary>
internal static class AccountMail
{
    public static Task<HttpResponseMessage> VerifyEmailAsync(this HttpClient client, string? token) =>
        client.PostAsJsonAsync("/auth/email/verify", new { token });

    public static Task<HttpResponseMessage> SendVerificationAsync(this HttpClient client, string? username = null) =>
        client.PostAsJsonAsync("/auth/email/verification", new { username });

    /// <summary>The verification mail to <paramref name="address"/> received after <paramref name="skip"/> earlier ones.</summary>
    public static async Task<MimeMessage> VerificationMailAsync(this SmtpSink sink, string address, int skip = 0)
    {
        await sink.WaitForAsync(address, _ => VerificationMails(sink, address).Count > skip);
        return VerificationMails(sink, address)[skip];
    }

    private static List<MimeMessage> VerificationMails(SmtpSink sink, string address) =>
        sink.To(address).Where(m => (m.Subject ?? "").Contains("Verify your email address", StringComparison.Ordinal)).ToList();

    /// <summary>Signs up a user and verifies their address with the mailed link; returns the username and address.</summary>
    public static async Task<(string Username, string Email)> SignUpVerifiedAsync(this GatehouseFactory factory, SmtpSink sink)
    {
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("verified");
        var email = TestApi.EmailFor(username);
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        var token = SmtpSink.TokenFrom(await sink.VerificationMailAsync(email));
        Assert.Equal(HttpStatusCode.OK, (await client.VerifyEmailAsync(token)).StatusCode);
        return (username, email);
    }

    /// <summary>Outbox rows of <paramref name="kind"/> to <paramref name="address"/>: what was committed, sent or not yet.</summary>
    public static Task<int> OutboxCountAsync(this GatehouseFactory factory, string address, string? kind = null) =>
        factory.QueryAsync(db => db.Outbox.CountAsync(m => m.To == address && (kind == null || m.Kind == kind)));

    public static Task<int> AuditCountAsync(this GatehouseFactory factory, string eventName, string outcome) =>
        factory.QueryAsync(db => db.AuditEvents.CountAsync(a => a.Event == eventName && a.Outcome == outcome));
}
