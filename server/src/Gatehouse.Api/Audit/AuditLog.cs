using Gatehouse.Api.Data;
using Gatehouse.Api.Sessions;

namespace Gatehouse.Api.Audit;

/// <summary>
/// Writes each security event twice: as a row (for the account owner and for investigations) and as a
/// structured log event (for whatever collects logs). Only ids, addresses and codes go in.
/// </summary>
public sealed partial class AuditLog(GatehouseDbContext db, TimeProvider time, ILogger<AuditLog> logger)
{
    /// <summary>Stages the row in the caller's unit of work; it is saved with the caller's other changes.</summary>
    public void Add(HttpContext http, string eventName, string outcome, Guid? userId = null, Guid? sessionId = null)
    {
        var entry = new AuditEvent
        {
            At = time.GetUtcNow(),
            Event = eventName,
            Outcome = outcome,
            UserId = userId,
            SessionId = sessionId,
            IpAddress = ClientInfo.IpAddress(http),
            UserAgent = ClientInfo.UserAgent(http),
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
