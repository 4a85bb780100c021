using System.Globalization;
using System.Security.Claims;
using System.Text;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Security;
using Gatehouse.Api.Tokens;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gatehouse.Api.Admin;

public sealed record AdminAuditResponse(IReadOnlyList<AuditEventView> Events, string? NextCursor);

/// <summary>
/// The audit log for administrators: <c>GET /admin/audit</c> pages through it newest first, and
/// <c>GET /admin/audit/export</c> downloads the same selection as CSV.
/// </summary>
public static class AdminAuditEndpoints
{
    /// <summary>
    /// The most rows one CSV download holds, newest first. A larger selection is cut there; the last
    /// row's time is the <c>to</c> of the next download.
    /// </summary>
    public const int MaxExportRows = 100_000;

    private const int ExportChunk = 1_000;

    public static RouteGroupBuilder MapAdminAudit(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", ListAsync)
            .LimitPerClient(LimitedAction.Admin)
            .ProducesValidationProblem()
            .WithSummary("The audit log, newest first, filtered by user, event, outcome and time; cursor paging");
        admin.MapGet("/audit/export", ExportAsync)
            .LimitPerClient(LimitedAction.Admin)
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesValidationProblem()
            .WithSummary($"The audit log as a CSV download (same filters; at most 100,000 rows, newest first)");
        return admin;
    }

    internal static async Task<Results<Ok<AdminAuditResponse>, ValidationProblem, ProblemHttpResult>> ListAsync(
        string? userId, string? @event, string? outcome, string? from, string? to, string? cursor, string? limit,
        ClaimsPrincipal principal, AdminAuditQuery query, BruteForceLimits limits, HttpContext http, CancellationToken cancellationToken)
    {
        if (await limits.TryAcquireForUserAsync(LimitedAction.Admin, principal.Session().UserId.ToString(), http) is { } limited)
        {
            return limited;
        }
        var (filter, size, errors) = AuditFilter.Parse(userId, @event, outcome, from, to, cursor, limit);
        if (filter is null)
        {
            return Problems.Validation(errors);
        }
        var (events, next) = await query.PageAsync(filter, size, cancellationToken);
        return TypedResults.Ok(new AdminAuditResponse(
            [.. events.Select(AuditEventView.From)], next?.ToString(CultureInfo.InvariantCulture)));
    }

    internal static async Task<Results<PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> ExportAsync(
        string? userId, string? @event, string? outcome, string? from, string? to,
        ClaimsPrincipal principal, AdminAuditQuery query, BruteForceLimits limits, AuditLog audit, Data.GatehouseDbContext db, TimeProvider time, HttpContext http)
    {
        var adminId = principal.Session().UserId;
        if (await limits.TryAcquireForUserAsync(LimitedAction.Admin, adminId.ToString(), http) is { } limited)
        {
            return limited;
        }
        var (filter, _, errors) = AuditFilter.Parse(userId, @event, outcome, from, to, cursor: null, limit: null);
        if (filter is null)
        {
            return Problems.Validation(errors);
        }
        // On record before the first byte leaves: who took a copy of the log, and of whose rows.
        audit.Add(http, AuditEvents.AdminAuditExport, AuditEvents.Success, filter.UserId, actorId: adminId, detail: "csv");
        await db.SaveChangesAsync(CancellationToken.None);

        var name = $"gatehouse-audit-{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.csv";
        return TypedResults.Stream(stream => WriteCsvAsync(stream, query, filter, http.RequestAborted), "text/csv; charset=utf-8", name);
    }

    /// <summary>The header and the rows, a chunk at a time, so a large log is never held in memory.</summary>
    internal static async Task WriteCsvAsync(Stream stream, AdminAuditQuery query, AuditFilter filter, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 16 * 1024, leaveOpen: true);
        writer.NewLine = "\r\n";
        await writer.WriteLineAsync("id,at,event,outcome,userId,actorId,sessionId,ipAddress,userAgent,detail");
        var written = 0;
        var page = filter;
        var range = await query.IdRangeAsync(filter, cancellationToken);
        while (written < MaxExportRows)
        {
            var (events, next) = await query.PageAsync(page, range, Math.Min(ExportChunk, MaxExportRows - written), cancellationToken);
            foreach (var e in events)
            {
                await writer.WriteLineAsync(string.Join(',',
                    e.Id.ToString(CultureInfo.InvariantCulture), e.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                    Cell(e.Event), Cell(e.Outcome), e.UserId?.ToString() ?? "", e.ActorId?.ToString() ?? "",
                    e.SessionId?.ToString() ?? "", Cell(e.IpAddress), Cell(e.UserAgent), Cell(e.Detail)));
            }
            written += events.Count;
            if (next is null)
            {
                break;
            }
            page = page with { Before = next };
            await writer.FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
    /// A value a spreadsheet would run as a formula (starting with =, +, -, @, or a tab or carriage
    /// return that hides one) gets a leading apostrophe first: a user agent is the caller's own text
    /// (OWASP, CSV injection).
    /// </summary>
    internal static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
    }
}
