using Gatehouse.Api.Data;

namespace Gatehouse.Api.Email;

/// <summary>
/// Puts mails in the outbox: a row staged in the request's unit of work, committed with the change
/// that caused it. The sender is woken as soon as that commit happens (<see cref="OutboxWakeInterceptor"/>),
/// whether by <c>SaveChanges</c> alone or by the caller's transaction, and polls besides.
/// </summary>
public sealed class MailOutbox(GatehouseDbContext db, TimeProvider time)
{
    public void Enqueue(OutgoingMail mail)
    {
        var now = time.GetUtcNow().UtcDateTime;
        db.Set<OutboxMessage>().Add(new OutboxMessage
        {
            Id = Guid.CreateVersion7(),
            Kind = mail.Kind,
            To = mail.To,
            Subject = mail.Subject,
            TextBody = mail.TextBody,
            HtmlBody = mail.HtmlBody,
            CreatedAt = now,
            NextAttemptAt = now,
        });
    }
}

/// <summary>Wakes the sender early: one pending wake at most, however many mails were saved.</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken; the sender reads every due row when it runs.
        }
    }

    /// <summary>Waits for a wake or the timeout (real time: a test's fake clock must not stop delivery).</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);
}
