using Gatehouse.Api.Data;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Email;

public sealed class OutboxDeliveryTests
{
    [Fact]
    public async Task A_mail_committed_to_the_outbox_arrives_over_smtp_with_both_parts_and_its_body_is_then_erased()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        _ = factory.CreateClient();

        Guid id;
        using (var scope = factory.Services.CreateScope())
        {
            var composer = scope.ServiceProvider.GetRequiredService<MailComposer>();
            var outbox = scope.ServiceProvider.GetRequiredService<MailOutbox>();
            outbox.Enqueue(composer.Compose(MailKinds.VerifyEmail, "ada@example.com", "Verify your address",
                ["Hello."], ("Verify", "http://localhost:3000/auth/verify-email?token=abc")));
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            await db.SaveChangesAsync();
            id = db.Outbox.Local.Single().Id;
        }

        var mail = await sink.WaitForAsync("ada@example.com");
        Assert.Equal("Gatehouse: Verify your address", mail.Subject);
        Assert.Contains("http://localhost:3000/auth/verify-email?token=abc", mail.TextBody);
        Assert.Contains("href=\"http://localhost:3000/auth/verify-email?token=abc\"", mail.HtmlBody);
        Assert.DoesNotContain("<img", mail.HtmlBody);

        // Recorded as sent, and the link is no longer stored.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        OutboxMessage row;
        do
        {
            using var scope = factory.Services.CreateScope();
            row = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>().Outbox.Single(m => m.Id == id);
        } while (row.SentAt is null && DateTime.UtcNow < deadline && await Task.Delay(50).ContinueWith(_ => true));
        Assert.NotNull(row.SentAt);
        Assert.Null(row.TextBody);
        Assert.Null(row.HtmlBody);
    }
}
