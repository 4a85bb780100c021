using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gatehouse.Api.Data;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Api.Tests.Email;

/// <summary>
/// Delivery that loses nothing: woken at the commit, retried with backoff through an SMTP outage and
/// delivered once it ends, given up after 24 hours as a logged dead letter, claimed so that racing
/// senders send each mail once, and never a token in a log line.
/// </summary>
public sealed class OutboxRobustnessTests
{
    private const string Token = "tok-3f9c2a7d5e1b4c8a9f0e6d2b1a7c5e3f";
    private static readonly string Link = $"http://localhost:3000/auth/reset-password?token={Token}";

    [Fact]
    public async Task A_mail_saved_inside_a_transaction_goes_out_when_the_transaction_commits_not_at_the_next_poll()
    {
        await using var sink = await SmtpSink.StartAsync();
        // A poll far beyond the test: only the wake at the commit can deliver in time.
        await using var factory = new GatehouseFactory().WithSmtp(sink).With("Gatehouse:Email:PollInterval", "00:05:00");
        _ = factory.CreateClient();
        await Task.Delay(300); // the sender's first round, at start-up, has found nothing and sleeps

        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            Enqueue(scope, "ada@example.com");
            await db.SaveChangesAsync();
            // Saved, not committed: the sender cannot see it yet, and must not sleep through the commit.
            await Task.Delay(500);
            Assert.Empty(sink.Received);
            await transaction.CommitAsync();
        }

        var mail = await sink.WaitForAsync("ada@example.com", timeout: TimeSpan.FromSeconds(20));
        Assert.Contains(Link, mail.TextBody);
    }

    [Fact]
    public async Task A_mail_saved_without_a_transaction_goes_out_at_once_too()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink).With("Gatehouse:Email:PollInterval", "00:05:00");
        _ = factory.CreateClient();
        await Task.Delay(300);

        await EnqueueAsync(factory, "grace@example.com");

        await sink.WaitForAsync("grace@example.com", timeout: TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_mail_in_a_rolled_back_transaction_is_never_sent()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        _ = factory.CreateClient();

        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            Enqueue(scope, "rolled-back@example.com");
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
        }
        // A later mail that does go out: by then the sender has had every chance to send the first.
        await EnqueueAsync(factory, "later@example.com");
        await sink.WaitForAsync("later@example.com");

        Assert.Empty(sink.To("rolled-back@example.com"));
        using var check = factory.Services.CreateScope();
        Assert.False(await check.ServiceProvider.GetRequiredService<GatehouseDbContext>().Outbox.AnyAsync(m => m.To == "rolled-back@example.com"));
    }

    [Fact]
    public async Task While_smtp_is_down_a_mail_is_retried_after_its_backoff_and_arrives_exactly_once_when_smtp_returns()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink).With("Gatehouse:Email:PollInterval", "00:00:00.2");
        _ = factory.CreateClient();
        await sink.StopAsync();

        var id = await EnqueueAsync(factory, "outage@example.com");
        var failed = await WaitForRowAsync(factory, id, m => m.Attempts == 1 && m.LastError is not null && m.ClaimedUntil is null);
        Assert.Null(failed.SentAt);
        Assert.Equal(OutboxSender.Backoff(1), failed.NextAttemptAt - failed.CreatedAt);

        // Many polls later, still one attempt: the backoff holds while the (fake) clock stands still.
        await Task.Delay(1500);
        Assert.Equal(1, (await RowAsync(factory, id)).Attempts);

        // SMTP returns, the clock passes the backoff: the next poll delivers it.
        await sink.StartAgainAsync();
        factory.Time.Advance(OutboxSender.Backoff(1));
        var mail = await sink.WaitForAsync("outage@example.com");
        var sent = await WaitForRowAsync(factory, id, m => m.SentAt is not null);

        Assert.Equal(2, sent.Attempts);
        Assert.Null(sent.TextBody);
        Assert.Null(sent.LastError);
        Assert.Equal($"{id:N}@gatehouse", mail.MessageId);
        // More rounds, and a later clock, send nothing more.
        factory.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await factory.Services.GetRequiredService<OutboxSender>().SendDueAsync(CancellationToken.None));
        await Task.Delay(500);
        Assert.Single(sink.To("outage@example.com"));
        Assert.DoesNotContain(Token, factory.Logs.All, StringComparison.Ordinal);
        Assert.Contains(factory.Logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains($"Mail password_reset {id} not sent (attempt 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_24_hours_of_failures_a_mail_is_given_up_as_a_logged_dead_letter_without_its_content()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink).With("Gatehouse:Email:PollInterval", "00:00:00.2");
        _ = factory.CreateClient();
        await sink.StopAsync();

        var id = await EnqueueAsync(factory, "lost@example.com");
        await WaitForRowAsync(factory, id, m => m.Attempts == 1 && m.ClaimedUntil is null);

        // Just short of 24 hours: still retried, not given up.
        factory.Time.Advance(OutboxSender.GiveUpAfter - TimeSpan.FromSeconds(1));
        var retried = await WaitForRowAsync(factory, id, m => m.Attempts == 2 && m.ClaimedUntil is null);
        Assert.Null(retried.GaveUpAt);
        Assert.NotNull(retried.TextBody);

        factory.Time.Advance(OutboxSender.Backoff(2));
        var dead = await WaitForRowAsync(factory, id, m => m.GaveUpAt is not null);

        Assert.Null(dead.SentAt);
        Assert.Null(dead.TextBody);
        Assert.Null(dead.HtmlBody);
        Assert.NotNull(dead.LastError);
        await factory.Logs.WaitForAsync("Dead letter");
        var line = Assert.Single(factory.Logs.Lines, l => l.Contains("Dead letter", StringComparison.Ordinal));
        Assert.StartsWith("Error", line, StringComparison.Ordinal);
        Assert.Contains($"mail password_reset {id} given up after 3 attempts", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, factory.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("reset-password", factory.Logs.All, StringComparison.Ordinal);
        Assert.DoesNotContain("Choose a new password", factory.Logs.All, StringComparison.Ordinal);

        // SMTP returns: a dead letter stays dead.
        await sink.StartAgainAsync();
        factory.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await factory.Services.GetRequiredService<OutboxSender>().SendDueAsync(CancellationToken.None));
        Assert.Empty(sink.Received);
    }

    [Fact]
    public async Task A_recipient_the_server_refuses_for_good_is_a_dead_letter_at_once_not_after_a_day_of_retries()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        _ = factory.CreateClient();

        var id = await EnqueueAsync(factory, "nobody@refused.example");

        var dead = await WaitForRowAsync(factory, id, m => m.GaveUpAt is not null);
        Assert.Equal(1, dead.Attempts);
        Assert.StartsWith("550 RecipientNotAccepted", dead.LastError, StringComparison.Ordinal);
        await factory.Logs.WaitForAsync("Dead letter");
        Assert.Contains(factory.Logs.Lines, l => l.Contains($"Dead letter: mail password_reset {id} given up after 1 attempts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Senders_racing_over_the_same_rows_send_every_mail_exactly_once()
    {
        const int Mails = 60;
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        _ = factory.CreateClient();
        // The app's own sender races too; so do five more, as five more instances would.
        var senders = Enumerable.Range(0, 5)
            .Select(_ => ActivatorUtilities.CreateInstance<OutboxSender>(factory.Services))
            .Append(factory.Services.GetRequiredService<OutboxSender>())
            .ToList();

        var ids = new List<Guid>();
        using (var scope = factory.Services.CreateScope())
        {
            for (var i = 0; i < Mails; i++)
            {
                Enqueue(scope, $"racer{i}@example.com");
            }
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            await db.SaveChangesAsync();
            ids.AddRange(db.Outbox.Local.Select(m => m.Id));
        }
        using var start = new ManualResetEventSlim();
        var rounds = senders.SelectMany(sender => Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            while (await sender.SendDueAsync(CancellationToken.None) > 0)
            {
            }
        }))).ToList();
        start.Set();
        await Task.WhenAll(rounds);

        for (var i = 0; i < Mails; i++)
        {
            await sink.WaitForAsync($"racer{i}@example.com");
        }
        await Task.Delay(500); // a duplicate, if any, would be on its way
        var received = sink.Received.Where(m => (m.Subject ?? "").Contains("Reset", StringComparison.Ordinal)).ToList();
        Assert.Equal(Mails, received.Count);
        Assert.Equal(ids.Select(id => $"{id:N}@gatehouse").Order(), received.Select(m => m.MessageId).Order());
        using var check = factory.Services.CreateScope();
        var rows = await check.ServiceProvider.GetRequiredService<GatehouseDbContext>().Outbox.AsNoTracking().ToListAsync();
        Assert.All(rows, row => Assert.Equal((1, true), (row.Attempts, row.SentAt is not null)));
    }

    [Fact]
    public async Task A_request_that_writes_a_mail_answers_at_once_while_the_smtp_server_hangs()
    {
        // Worse than a refused connection: a server that accepts and never greets, so a send would
        // wait for MailKit's timeout. The request only writes the outbox row.
        using var hanging = new TcpListener(IPAddress.Loopback, 0);
        hanging.Start();
        var port = ((IPEndPoint)hanging.LocalEndpoint).Port;
        var accepted = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                var client = await hanging.AcceptTcpClientAsync();
                lock (accepted)
                {
                    accepted.Add(client);
                }
            }
        });
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:Email:Smtp:Host", "127.0.0.1").With("Gatehouse:Email:Smtp:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .With("Gatehouse:Email:Smtp:Security", "None")
            .WithServices(services => services.AddSingleton<IStartupFilter>(new MailingEndpoint()));
        var client = factory.CreateClient();

        var first = await client.PostAsync("/test/mail?to=first@example.com", null);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        // The sender is now stuck talking to the hanging server.
        await WaitForAsync(() => { lock (accepted) { return accepted.Count > 0; } });
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            var response = await client.PostAsync($"/test/mail?to=next{i}@example.com", null);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"five requests took {clock.Elapsed} while SMTP hung");
        using var scope = factory.Services.CreateScope();
        Assert.Equal(6, await scope.ServiceProvider.GetRequiredService<GatehouseDbContext>().Outbox.CountAsync(m => m.SentAt == null));
        lock (accepted)
        {
            accepted.ForEach(c => c.Dispose());
        }
        hanging.Stop();
    }

    [Fact]
    public async Task Sent_and_given_up_mails_are_deleted_a_week_later_and_waiting_ones_never()
    {
        await using var factory = new GatehouseFactory().With("Gatehouse:Email:Enabled", "false");
        _ = factory.CreateClient();
        var now = factory.Time.GetUtcNow().UtcDateTime;
        var week = OutboxSender.KeepFor;
        var rows = new Dictionary<string, OutboxMessage>
        {
            ["sent long ago"] = Row(now - week - TimeSpan.FromDays(1), sentAt: now - week - TimeSpan.FromSeconds(1)),
            ["given up long ago"] = Row(now - week - TimeSpan.FromDays(2), gaveUpAt: now - week - TimeSpan.FromSeconds(1)),
            ["sent lately"] = Row(now - week, sentAt: now - week + TimeSpan.FromSeconds(1)),
            ["given up lately"] = Row(now - week, gaveUpAt: now - TimeSpan.FromDays(1)),
            ["still waiting"] = Row(now - TimeSpan.FromDays(30)),
        };
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            db.Outbox.AddRange(rows.Values);
            await db.SaveChangesAsync();
        }

        var purged = await factory.Services.GetRequiredService<OutboxSender>().PurgeAsync(CancellationToken.None);

        Assert.Equal(2, purged);
        using var check = factory.Services.CreateScope();
        var left = await check.ServiceProvider.GetRequiredService<GatehouseDbContext>().Outbox.Select(m => m.Id).ToListAsync();
        Assert.Equal(
            new[] { "sent lately", "given up lately", "still waiting" }.Select(name => rows[name].Id).Order(),
            left.Order());
    }

    private static OutboxMessage Row(DateTime createdAt, DateTime? sentAt = null, DateTime? gaveUpAt = null) => new()
    {
        Id = Guid.CreateVersion7(),
        Kind = MailKinds.PasswordReset,
        To = "old@example.com",
        Subject = "Old",
        CreatedAt = createdAt,
        NextAttemptAt = createdAt,
        SentAt = sentAt,
        GaveUpAt = gaveUpAt,
    };

    private static void Enqueue(IServiceScope scope, string to)
    {
        var composer = scope.ServiceProvider.GetRequiredService<MailComposer>();
        scope.ServiceProvider.GetRequiredService<MailOutbox>().Enqueue(composer.Compose(MailKinds.PasswordReset, to, "Reset your password",
            ["Someone asked to reset your password."], ("Choose a new password", Link)));
    }

    private static async Task<Guid> EnqueueAsync(GatehouseFactory factory, string to)
    {
        using var scope = factory.Services.CreateScope();
        Enqueue(scope, to);
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        await db.SaveChangesAsync();
        return db.Outbox.Local.Single().Id;
    }

    private static async Task<OutboxMessage> RowAsync(GatehouseFactory factory, Guid id)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<GatehouseDbContext>().Outbox.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    private static async Task<OutboxMessage> WaitForRowAsync(GatehouseFactory factory, Guid id, Func<OutboxMessage, bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var row = await RowAsync(factory, id);
            if (condition(row))
            {
                return row;
            }
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20),
                $"The outbox row never reached the expected state; it is Attempts={row.Attempts}, SentAt={row.SentAt}, GaveUpAt={row.GaveUpAt}, LastError={row.LastError}.");
            await Task.Delay(50);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "The condition never came true.");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// An endpoint that does what every mailing endpoint does (stage a mail, save, answer), so that a
    /// request's time can be measured while SMTP hangs, apart from any one flow's other work.
    /// </summary>
    private sealed class MailingEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map("/test/mail", branch => branch.Run(async http =>
            {
                Enqueue(new ScopeOf(http.RequestServices), http.Request.Query["to"].ToString());
                await http.RequestServices.GetRequiredService<GatehouseDbContext>().SaveChangesAsync();
                http.Response.StatusCode = StatusCodes.Status202Accepted;
            }));
            next(app);
        };
    }

    private sealed class ScopeOf(IServiceProvider services) : IServiceScope
    {
        public IServiceProvider ServiceProvider => services;

        public void Dispose()
        {
        }
    }
}
