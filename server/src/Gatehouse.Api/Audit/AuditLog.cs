using Gatehouse.Api.Data;
using Gatehouse.Api.Sessions;

namespace Gatehouse.Api.Audit;

/// <summary>Who made a request, as its audit row records them (<see cref="ClientInfo"/>), kept for work done after the answer.</summary>
public sealed record AuditClient(string? IpAddress, string? UserAgent)
{
    /// <summary>No address and no agent: a change from the command line or start-up, or a row that must not keep them.</summary>
    public static readonly AuditClient None = new(null, null);

    public static AuditClient From(HttpContext http) => new(ClientInfo.IpAddress(http), ClientInfo.UserAgent(http));
}

/// <summary>
/// Writes each security event twice: as a row (for the account owner and for investigations) and as a
/// structured log event (for whatever collects logs). Only ids, addresses and codes go in.
/// </summary>
public sealed partial class AuditLog(GatehouseDbContext db, TimeProvider time, ILogger<AuditLog> logger, Metrics.GatehouseMetrics metrics)
{
    /// <summary>
    /// Stages the row in the caller's unit of work; it is saved with the caller's other changes.
    /// <paramref name="actorId"/> names the administrator acting on <paramref name="userId"/>'s account
    /// (null: the account owner, or the command line); <paramref name="detail"/> is a short non-secret
    /// word such as the provider of an external sign-in or the role granted.
    /// </summary>
    public void Add(HttpContext http, string eventName, string outcome, Guid? userId = null, Guid? sessionId = null,
        Guid? actorId = null, string? detail = null) =>
        Add(AuditClient.From(http), eventName, outcome, userId, sessionId, actorId, detail);

    /// <summary>
    /// Stages the row for work done outside the request it records: finished in the background (e.g. a
    /// reset request, with the requester's <see cref="AuditClient"/>) or by an operator's command or
    /// start-up (<see cref="AuditClient.None"/>).
    /// </summary>
    public void Add(AuditClient client, string eventName, string outcome, Guid? userId = null, Guid? sessionId = null,
        Guid? actorId = null, string? detail = null)
    {
        var entry = new AuditEvent
        {
            At = time.GetUtcNow(),
            Event = eventName,
            Outcome = outcome,
            UserId = userId,
            SessionId = sessionId,
            ActorId = actorId,
            Detail = detail is { Length: > AuditEvent.MaxDetailLength } ? detail[..AuditEvent.MaxDetailLength] : detail,
            IpAddress = client.IpAddress,
            UserAgent = client.UserAgent,
        };
        db.AuditEvents.Add(entry);
        // Counted when staged: the rows these counters follow are saved with the work that staged them.
        metrics.Audited(eventName, outcome);
        if (actorId is null)
        {
            LogEvent(logger, eventName, outcome, userId, sessionId, entry.IpAddress);
        }
        else
        {
            LogAdminEvent(logger, eventName, outcome, userId, actorId, entry.Detail, entry.IpAddress);
        }
    }

    /// <summary>Writes the row now. Not cancellable: a client that hangs up is still on record.</summary>
    public async Task WriteAsync(HttpContext http, string eventName, string outcome, Guid? userId = null, Guid? sessionId = null)
    {
        Add(http, eventName, outcome, userId, sessionId);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    [LoggerMessage(LogLevel.Information, "Audit {AuditEvent} {AuditOutcome} user {UserId} session {SessionId} from {IpAddress}")]
    private static partial void LogEvent(ILogger logger, string auditEvent, string auditOutcome, Guid? userId, Guid? sessionId, string? ipAddress);

    [LoggerMessage(LogLevel.Information, "Audit {AuditEvent} {AuditOutcome} user {UserId} by admin {ActorId} ({AuditDetail}) from {IpAddress}")]
    private static partial void LogAdminEvent(ILogger logger, string auditEvent, string auditOutcome, Guid? userId, Guid? actorId, string? auditDetail, string? ipAddress);
}
