using Gatehouse.Api.Data;
using MailKit.Net.Smtp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Gatehouse.Api.Email;

/// <summary>
/// Sends the outbox's due mails over SMTP (MailKit). Each row is claimed first with a conditional
/// update, so of several instances (or several rounds of one) exactly one sends it; a failure puts it
/// back with a growing delay, and a mail still unsent <see cref="GiveUpAfter"/> after it was written,
/// or refused for good by the server, is given up and logged as a dead letter. The body is erased once
/// the mail is sent or given up: it may carry a one-time link. Rows that are done are deleted
/// <see cref="KeepFor"/> later, by the sender itself (<see cref="PurgeAsync"/>, once per <see cref="PurgeEvery"/>).
/// </summary>
/// <remarks>
/// Delivery is at least once, never twice by design: only a crash between the SMTP server taking a
/// mail and the row being marked sent can send it again, once the claim lapses; the copy carries the
/// same Message-Id, so it is recognisable as the same mail.
/// </remarks>
public sealed partial class OutboxSender(
    IServiceScopeFactory scopes, OutboxSignal signal, TimeProvider time, IOptions<EmailOptions> options,
    ILogger<OutboxSender> logger, Metrics.GatehouseMetrics metrics) : BackgroundService
{
    /// <summary>
    /// How long a claim keeps other senders off a row: well beyond one mail's worst case (connecting,
    /// signing in and sending, each bounded by <see cref="SmtpTimeout"/>), so a slow send is never
    /// taken over and sent twice; a crashed sender's rows are taken over after it.
    /// </summary>
    public static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(5);

    /// <summary>MailKit's bound on each SMTP operation (its default is two minutes).</summary>
    public static readonly TimeSpan SmtpTimeout = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);

    /// <summary>Sent and given-up rows (their bodies already erased) are kept this long, then deleted.</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(7);

    public static readonly TimeSpan PurgeEvery = TimeSpan.FromHours(1);

    private const int BatchSize = 50;

    private DateTimeOffset _lastPurge = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SendDueAsync(stoppingToken) == BatchSize)
                {
                }
                if (time.GetUtcNow() - _lastPurge >= PurgeEvery)
                {
                    await PurgeAsync(stoppingToken);
                    _lastPurge = time.GetUtcNow();
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The database may be briefly unavailable; the next round tries again.
                LogRoundFailed(logger, exception.GetType().Name);
            }
            await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
        }
    }

    /// <summary>Sends up to one batch of due mails; returns how many were due.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        // Whole rows at once: what a row says never changes while it is unsent, and the claim below
        // decides who sends it, so reading it before the claim costs nothing in safety.
        var due = await db.Outbox.AsNoTracking()
            .Where(m => m.SentAt == null && m.GaveUpAt == null && m.NextAttemptAt <= now
                && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .OrderBy(m => m.NextAttemptAt)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        using var smtp = new SmtpClient { Timeout = (int)SmtpTimeout.TotalMilliseconds };
        // Once the server cannot be reached, the rest of the batch fails with the same reason without
        // trying again: each row backs off, and an outage costs one connection attempt per round.
        Exception? unreachable = null;
        try
        {
            foreach (var message in due)
            {
                if (!await ClaimAsync(db, message, now, cancellationToken))
                {
                    continue;
                }
                message.Attempts++;
                if (unreachable is null)
                {
                    try
                    {
                        await ConnectAsync(smtp, cancellationToken);
                    }
                    catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        unreachable = exception;
                    }
                }
                if (unreachable is not null)
                {
                    await FailedAsync(db, message, unreachable, CancellationToken.None);
                    continue;
                }
                try
                {
                    await smtp.SendAsync(Mime(message), cancellationToken);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    await FailedAsync(db, message, exception, CancellationToken.None);
                    // Start the next mail on a fresh connection: this one may be in any state.
                    await DisconnectQuietlyAsync(smtp);
                    continue;
                }
                // The server has it: record that whatever happens to this round now.
                var sentAt = time.GetUtcNow().UtcDateTime;
                await db.Outbox.Where(m => m.Id == message.Id).ExecuteUpdateAsync(m => m
                    .SetProperty(x => x.SentAt, sentAt)
                    .SetProperty(x => x.ClaimedUntil, (DateTime?)null)
                    .SetProperty(x => x.TextBody, (string?)null)
                    .SetProperty(x => x.HtmlBody, (string?)null)
                    .SetProperty(x => x.LastError, (string?)null), CancellationToken.None);
                LogSent(logger, message.Kind, message.Id, message.Attempts);
                metrics.MailSent();
            }
        }
        finally
        {
            await DisconnectQuietlyAsync(smtp);
        }
        return due.Count;
    }

    /// <summary>
    /// Takes the row for this sender: one conditional UPDATE, so when several race for it exactly one
    /// finds it still unsent, unclaimed (or its claim lapsed) and due, and the others change nothing.
    /// </summary>
    private static async Task<bool> ClaimAsync(GatehouseDbContext db, OutboxMessage message, DateTime now, CancellationToken cancellationToken)
    {
        var claimedUntil = now + ClaimFor;
        var claimed = await db.Outbox
            .Where(m => m.Id == message.Id && m.SentAt == null && m.GaveUpAt == null && m.NextAttemptAt <= now
                && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .ExecuteUpdateAsync(m => m
                .SetProperty(x => x.ClaimedUntil, claimedUntil)
                .SetProperty(x => x.Attempts, x => x.Attempts + 1), cancellationToken);
        return claimed == 1;
    }

    private async Task ConnectAsync(SmtpClient smtp, CancellationToken cancellationToken)
    {
        if (smtp.IsConnected)
        {
            return;
        }
        var settings = options.Value.Smtp;
        await smtp.ConnectAsync(settings.Host, settings.Port, settings.SocketOptions, cancellationToken);
        if (!string.IsNullOrEmpty(settings.Username))
        {
            await smtp.AuthenticateAsync(settings.Username, settings.Password, cancellationToken);
        }
    }

    private MimeMessage Mime(OutboxMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(options.Value.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        // One Message-Id per outbox row: a copy that did go out twice (a crash between sending and
        // recording it) is recognisable as the same mail.
        mime.MessageId = $"{message.Id:N}@gatehouse";
        mime.Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody();
        return mime;
    }

    private static async Task DisconnectQuietlyAsync(SmtpClient smtp)
    {
        if (!smtp.IsConnected)
        {
            return;
        }
        try
        {
            await smtp.DisconnectAsync(true, CancellationToken.None);
        }
        catch (Exception)
        {
            // A connection that broke mid-way cannot say goodbye; it is closed all the same.
        }
    }

    private async Task FailedAsync(GatehouseDbContext db, OutboxMessage message, Exception exception, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // Only the failure's kind and SMTP's own words: never the body, never credentials.
        var error = exception switch
        {
            SmtpCommandException command => $"{(int)command.StatusCode} {command.ErrorCode}: {command.Message}",
            ParseException => "the recipient's address cannot be parsed",
            _ => exception.GetType().Name,
        };
        if (error.Length > OutboxMessage.MaxErrorLength)
        {
            error = error[..OutboxMessage.MaxErrorLength];
        }
        // A recipient the server refuses for good (5xx) will be refused tomorrow too: retrying for a
        // day only delays the dead letter. Anything else (a 4xx, an outage) may pass later.
        var refused = exception is ParseException
            || exception is SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } rejected && (int)rejected.StatusCode >= 500;
        if (refused || now - message.CreatedAt >= GiveUpAfter)
        {
            await db.Outbox.Where(m => m.Id == message.Id).ExecuteUpdateAsync(m => m
                .SetProperty(x => x.GaveUpAt, now)
                .SetProperty(x => x.ClaimedUntil, (DateTime?)null)
                .SetProperty(x => x.TextBody, (string?)null)
                .SetProperty(x => x.HtmlBody, (string?)null)
                .SetProperty(x => x.LastError, error), cancellationToken);
            LogDeadLetter(logger, message.Kind, message.Id, message.Attempts, now - message.CreatedAt, error);
            metrics.MailFailed(givenUp: true);
            return;
        }
        var next = now + Backoff(message.Attempts);
        await db.Outbox.Where(m => m.Id == message.Id).ExecuteUpdateAsync(m => m
            .SetProperty(x => x.NextAttemptAt, next)
            .SetProperty(x => x.ClaimedUntil, (DateTime?)null)
            .SetProperty(x => x.LastError, error), cancellationToken);
        LogRetry(logger, message.Kind, message.Id, message.Attempts, error, next);
        metrics.MailFailed(givenUp: false);
    }

    /// <summary>5 s after the first failure, doubling to at most 15 minutes.</summary>
    public static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(5 * Math.Pow(2, Math.Max(0, attempts - 1)), 15 * 60));

    /// <summary>Deletes sent and given-up rows older than <see cref="KeepFor"/>; returns how many went.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        var cutoff = (time.GetUtcNow() - KeepFor).UtcDateTime;
        var purged = await db.Outbox
            .Where(m => (m.SentAt != null && m.SentAt < cutoff) || (m.GaveUpAt != null && m.GaveUpAt < cutoff))
            .ExecuteDeleteAsync(cancellationToken);
        if (purged > 0)
        {
            LogPurged(logger, purged);
        }
        return purged;
    }

    [LoggerMessage(LogLevel.Information, "Mail {MailKind} {MailId} sent (attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, string mailKind, Guid mailId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Mail {MailKind} {MailId} not sent (attempt {Attempt}: {Error}); trying again at {NextAttempt:o}")]
    private static partial void LogRetry(ILogger logger, string mailKind, Guid mailId, int attempt, string error, DateTime nextAttempt);

    [LoggerMessage(LogLevel.Error, "Dead letter: mail {MailKind} {MailId} given up after {Attempt} attempts over {Age} (last: {Error})")]
    private static partial void LogDeadLetter(ILogger logger, string mailKind, Guid mailId, int attempt, TimeSpan age, string error);

    [LoggerMessage(LogLevel.Warning, "The outbox could not be read ({Error}); trying again shortly")]
    private static partial void LogRoundFailed(ILogger logger, string error);

    [LoggerMessage(LogLevel.Information, "Purged {Count} sent or given-up mails from the outbox")]
    private static partial void LogPurged(ILogger logger, int count);
}
