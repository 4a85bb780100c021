using Gatehouse.Api.Data;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Gatehouse.Api.Email;

/// <summary>
/// Sends the outbox's due mails over SMTP (MailKit). Each row is claimed first with a conditional
/// update, so of several instances exactly one sends it; a failure puts it back with a growing delay,
/// and a mail still unsent <see cref="GiveUpAfter"/> after it was written is given up and logged as a
/// dead letter. The body is erased once the mail is sent or given up: it may carry a one-time link.
/// </summary>
public sealed partial class OutboxSender(
    IServiceScopeFactory scopes, OutboxSignal signal, TimeProvider time, IOptions<EmailOptions> options,
    ILogger<OutboxSender> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);
    private const int BatchSize = 50;

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
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The database may be briefly unavailable; the next round tries again.
                LogRoundFailed(logger, exception.GetType().Name);
            }
            await signal.WaitAsync(PollInterval, stoppingToken);
        }
    }

    /// <summary>Sends up to one batch of due mails; returns how many were due.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var due = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.SentAt == null && m.GaveUpAt == null && m.NextAttemptAt <= now
                && (m.ClaimedUntil == null || m.ClaimedUntil < now))
            .OrderBy(m => m.NextAttemptAt)
            .Select(m => m.Id)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        using var smtp = new SmtpClient();
        foreach (var id in due)
        {
            // Claim it: only one instance's update finds it unclaimed.
            var claimedUntil = now + ClaimFor;
            var claimed = await db.Set<OutboxMessage>()
                .Where(m => m.Id == id && m.SentAt == null && m.GaveUpAt == null && (m.ClaimedUntil == null || m.ClaimedUntil < now))
                .ExecuteUpdateAsync(m => m
                    .SetProperty(x => x.ClaimedUntil, claimedUntil)
                    .SetProperty(x => x.Attempts, x => x.Attempts + 1), cancellationToken);
            if (claimed != 1)
            {
                continue;
            }
            var message = await db.Set<OutboxMessage>().AsNoTracking().SingleAsync(m => m.Id == id, cancellationToken);
            try
            {
                await SendAsync(smtp, message, cancellationToken);
                var sentAt = time.GetUtcNow().UtcDateTime;
                await db.Set<OutboxMessage>().Where(m => m.Id == id).ExecuteUpdateAsync(m => m
                    .SetProperty(x => x.SentAt, sentAt)
                    .SetProperty(x => x.ClaimedUntil, (DateTime?)null)
                    .SetProperty(x => x.TextBody, (string?)null)
                    .SetProperty(x => x.HtmlBody, (string?)null)
                    .SetProperty(x => x.LastError, (string?)null), CancellationToken.None);
                LogSent(logger, message.Kind, message.Id, message.Attempts);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                await FailedAsync(db, message, exception, CancellationToken.None);
                if (smtp.IsConnected)
                {
                    await smtp.DisconnectAsync(true, CancellationToken.None);
                }
            }
        }
        if (smtp.IsConnected)
        {
            await smtp.DisconnectAsync(true, CancellationToken.None);
        }
        return due.Count;
    }

    private async Task SendAsync(SmtpClient smtp, OutboxMessage message, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!smtp.IsConnected)
        {
            var security = settings.Smtp.Security switch
            {
                SmtpSecurity.None => SecureSocketOptions.None,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.Auto,
            };
            await smtp.ConnectAsync(settings.Smtp.Host, settings.Smtp.Port, security, cancellationToken);
            if (!string.IsNullOrEmpty(settings.Smtp.Username))
            {
                await smtp.AuthenticateAsync(settings.Smtp.Username, settings.Smtp.Password, cancellationToken);
            }
        }
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(settings.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        // One Message-Id per outbox row: a copy that did go out twice (a crash between sending and
        // recording it) is recognisable as the same mail.
        mime.MessageId = $"{message.Id:N}@gatehouse";
        mime.Body = new BodyBuilder { TextBody = message.TextBody, HtmlBody = message.HtmlBody }.ToMessageBody();
        await smtp.SendAsync(mime, cancellationToken);
    }

    private async Task FailedAsync(GatehouseDbContext db, OutboxMessage message, Exception exception, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // Only the failure's kind and SMTP's own words: never the body, never credentials.
        var error = exception switch
        {
            SmtpCommandException command => $"{command.StatusCode}: {command.Message}",
            _ => exception.GetType().Name,
        };
        if (error.Length > OutboxMessage.MaxErrorLength)
        {
            error = error[..OutboxMessage.MaxErrorLength];
        }
        if (now - message.CreatedAt >= GiveUpAfter)
        {
            await db.Set<OutboxMessage>().Where(m => m.Id == message.Id).ExecuteUpdateAsync(m => m
                .SetProperty(x => x.GaveUpAt, now)
                .SetProperty(x => x.ClaimedUntil, (DateTime?)null)
                .SetProperty(x => x.TextBody, (string?)null)
                .SetProperty(x => x.HtmlBody, (string?)null)
                .SetProperty(x => x.LastError, error), cancellationToken);
            LogDeadLetter(logger, message.Kind, message.Id, message.Attempts, error);
            return;
        }
        var next = now + Backoff(message.Attempts);
        await db.Set<OutboxMessage>().Where(m => m.Id == message.Id).ExecuteUpdateAsync(m => m
            .SetProperty(x => x.NextAttemptAt, next)
            .SetProperty(x => x.ClaimedUntil, (DateTime?)null)
            .SetProperty(x => x.LastError, error), cancellationToken);
        LogRetry(logger, message.Kind, message.Id, message.Attempts, error, next);
    }

    /// <summary>5 s after the first failure, doubling to at most 15 minutes.</summary>
    public static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(5 * Math.Pow(2, Math.Max(0, attempts - 1)), 15 * 60));

    [LoggerMessage(LogLevel.Information, "Mail {MailKind} {MailId} sent (attempt {Attempt})")]
    private static partial void LogSent(ILogger logger, string mailKind, Guid mailId, int attempt);

    [LoggerMessage(LogLevel.Warning, "Mail {MailKind} {MailId} not sent (attempt {Attempt}: {Error}); trying again at {NextAttempt:o}")]
    private static partial void LogRetry(ILogger logger, string mailKind, Guid mailId, int attempt, string error, DateTime nextAttempt);

    [LoggerMessage(LogLevel.Error, "Dead letter: mail {MailKind} {MailId} given up after {Attempt} attempts over 24 hours (last: {Error})")]
    private static partial void LogDeadLetter(ILogger logger, string mailKind, Guid mailId, int attempt, string error);

    [LoggerMessage(LogLevel.Warning, "The outbox could not be read ({Error}); trying again shortly")]
    private static partial void LogRoundFailed(ILogger logger, string error);
}
