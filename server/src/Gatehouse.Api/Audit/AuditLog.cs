using Gatehouse.Api.Data;
using Gatehouse.Api.Sessions;

namespace Gatehouse.Api.Audit;

/// <summary>Who made a request, as its audit row records them (<see cref="ClientInfo"/>), kept for work done after the answer.</summary>
public sealed record AuditClient(string? IpAddress, string? UserAgent)
{
    public static AuditClient From(HttpContext http) => new(ClientInfo.IpAddress(http), ClientInfo.UserAgent(http));
}

/// <summary>
/// Writes each security event twice: as a row (for the account owner and for investigations) and as a
/// structured log event (for whatever collects logs). Only ids, addresses and codes go in.
/// </summary>
public sealed partial class AuditLog(GatehouseDbContext db, TimeProvider time, ILogger<AuditLog> logger)
{
    /// <summary>Stages the row in the caller's unit of work; it is saved with the caller's other changes.</summary>
    public void Add(HttpContext http, string eventName, string outcome, Guid? userId = null, Guid? sessionId = null) =>
        Add(AuditClient.From(http), eventName, outcome, userId, sessionId);

    /// <summary>Stages the row for a request answered earlier (work finished in the background, e.g. a reset request).</summary>
    public void Add(AuditClient client, string eventName, string outcome, Guid? userId = null, Guid? sessionId = null)
    {
        var entry = new AuditEvent
        {
            At = time.GetUtcNow(),
            Event = eventName,
            Outcome = outcome,
            UserId = userId,
            SessionId = sessionId,
            IpAddress = client.IpAddress,
            UserAgent = client.UserAgent,
        };
        db.AuditEvents.Add(entry);
        LogEvent(logger, eventName, outcome, userId, sessionId, entry.IpAddress);
    }

    /// <summary>Writes the row now. Not cancellable: a client that hangs up is still on record.</summary>
    public async Task WriteAsync(HttpContext http, string eventName, string outcome, Guid? userId = null, Guid? sessionId = null)
    {
        Add(http, eventName, outcome, userId, sessionId);
        await db.SaveChangesAsync(CancellationToken.None);
    }

    [LoggerMessage(LogLevel.Information, "Audit {AuditEvent} {AuditOutcome} user {UserId} session {SessionId} from {IpAddress}")]
    private static partial void LogEvent(ILogger logger, string auditEvent, string auditOutcome, Guid? userId, Guid? sessionId, string? ipAddress);
}
