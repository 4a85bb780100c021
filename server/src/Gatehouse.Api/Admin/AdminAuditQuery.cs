using System.Globalization;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Admin;

/// <summary>An audit row as the admin API answers it (the contract's <c>AuditEventView</c>).</summary>
public sealed record AuditEventView(
    long Id, DateTimeOffset At, string Event, string Outcome, Guid? UserId, Guid? ActorId, Guid? SessionId,
    string? IpAddress, string? UserAgent, string? Detail)
{
    public static AuditEventView From(AuditEvent e) =>
        new(e.Id, e.At, e.Event, e.Outcome, e.UserId, e.ActorId, e.SessionId, e.IpAddress, e.UserAgent, e.Detail);
}

/// <summary>
/// The audit log's filters: exact user, event and outcome; <see cref="From"/> inclusive and
/// <see cref="To"/> exclusive; and a keyset cursor, the id of the last row already seen.
/// </summary>
public sealed record AuditFilter(Guid? UserId, string? Event, string? Outcome, DateTimeOffset? From, DateTimeOffset? To, long? Before)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>Reads the query string's values; the errors name each bad one. Empty values mean "no filter".</summary>
    public static (AuditFilter? Filter, int Limit, List<AuthError> Errors) Parse(
        string? userId, string? eventName, string? outcome, string? from, string? to, string? cursor, string? limit)
    {
        var errors = new List<AuthError>();
        Guid? user = null;
        if (!string.IsNullOrEmpty(userId))
        {
            if (Guid.TryParse(userId, out var parsed)) user = parsed; else errors.Add(AuthErrors.AuditUserIdInvalid);
        }
        if (eventName is { Length: > AuditEvent.MaxNameLength })
        {
            errors.Add(AuthErrors.AuditEventInvalid);
        }
        if (outcome is { Length: > AuditEvent.MaxNameLength })
        {
            errors.Add(AuthErrors.AuditOutcomeInvalid);
        }
        var start = Instant(from, AuthErrors.AuditFromInvalid, errors);
        var end = Instant(to, AuthErrors.AuditToInvalid, errors);
        if (start is { } s && end is { } e && e <= s)
        {
            errors.Add(AuthErrors.AuditToInvalid);
        }
        long? before = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0) before = id; else errors.Add(AuthErrors.AuditCursorInvalid);
        }
        var size = DefaultLimit;
        if (!string.IsNullOrEmpty(limit)
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > MaxLimit))
        {
            errors.Add(AuthErrors.AuditLimitInvalid);
        }
        var filter = errors.Count == 0
            ? new AuditFilter(user, NullIfEmpty(eventName), NullIfEmpty(outcome), start, end, before)
            : null;
        return (filter, size, errors);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    // An instant says its offset (Z or ±hh:mm); one without is read as UTC rather than the server's zone.
    private static DateTimeOffset? Instant(string? value, AuthError error, List<AuthError> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return parsed.ToUniversalTime();
        }
        errors.Add(error);
        return null;
    }
}

/// <summary>
/// Reads the audit log newest first, by id. <see cref="AuditEvent.At"/> is a DateTimeOffset, which
/// SQLite cannot compare in SQL, so a time range becomes an id range: ids grow with time (a row is
/// stamped when staged and numbered when its unit of work saves, moments later), so the first id at or
/// after an instant is found by a binary search of point reads on the primary key (about 20 for a
/// million rows, on every provider). The search widens the range by <see cref="Skew"/> and each row's
/// own time is then checked exactly, so a row numbered a little out of time order is still judged by
/// its time; only one staged more than <see cref="Skew"/> before it was saved could be missed.
/// </summary>
public sealed class AdminAuditQuery(GatehouseDbContext db)
{
    /// <summary>How far a row's id order may stray from its time order: far more than one request's unit of work.</summary>
    public static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    /// <summary>
    /// One page: up to <paramref name="limit"/> rows older (by id) than the filter's cursor, and the
    /// cursor of the next page (null when there is none).
    /// </summary>
    public async Task<(IReadOnlyList<AuditEvent> Events, long? Next)> PageAsync(AuditFilter filter, int limit, CancellationToken cancellationToken) =>
        await PageAsync(filter, await IdRangeAsync(filter, cancellationToken), limit, cancellationToken);

    /// <summary>One page within an id range found earlier (a download finds it once for all its pages).</summary>
    public async Task<(IReadOnlyList<AuditEvent> Events, long? Next)> PageAsync(AuditFilter filter, (long Low, long High) range, int limit, CancellationToken cancellationToken)
    {
        var (low, high) = range;
        var found = new List<AuditEvent>(limit + 1);
        var before = filter.Before is { } cursor ? Math.Min(cursor, high) : high;
        // Rows near the edges of a time range may fall outside it once their own time is checked; read
        // on until the page (and one more row, to know whether there is a next page) is full.
        while (found.Count <= limit && before > low)
        {
            var take = limit + 1 - found.Count;
            var chunk = await Matching(filter, low, before).OrderByDescending(a => a.Id).Take(take)
                .AsNoTracking().ToListAsync(cancellationToken);
            found.AddRange(chunk.Where(a => InTime(filter, a)));
            if (chunk.Count < take)
            {
                break;
            }
            before = chunk[^1].Id;
        }
        return found.Count > limit ? (found.GetRange(0, limit), found[limit - 1].Id) : (found, null);
    }

    private IQueryable<AuditEvent> Matching(AuditFilter filter, long low, long before)
    {
        var rows = db.AuditEvents.Where(a => a.Id >= low && a.Id < before);
        if (filter.UserId is { } userId)
        {
            rows = rows.Where(a => a.UserId == userId);
        }
        if (filter.Event is { } eventName)
        {
            rows = rows.Where(a => a.Event == eventName);
        }
        if (filter.Outcome is { } outcome)
        {
            rows = rows.Where(a => a.Outcome == outcome);
        }
        return rows;
    }

    private static bool InTime(AuditFilter filter, AuditEvent row) =>
        (filter.From is not { } from || row.At >= from) && (filter.To is not { } to || row.At < to);

    /// <summary>The ids that may hold the filter's time range: [low, high).</summary>
    public async Task<(long Low, long High)> IdRangeAsync(AuditFilter filter, CancellationToken cancellationToken)
    {
        var low = filter.From is { } from ? await FirstIdAtOrAfterAsync(from - Skew, cancellationToken) : 0;
        var high = filter.To is { } to ? await FirstIdAtOrAfterAsync(to + Skew, cancellationToken) : long.MaxValue;
        return (low, high);
    }

    /// <summary>
    /// The smallest id whose row is stamped at or after <paramref name="instant"/> (one past the last
    /// id when none is), by binary search over the ids: each step reads one row by its key.
    /// </summary>
    internal async Task<long> FirstIdAtOrAfterAsync(DateTimeOffset instant, CancellationToken cancellationToken)
    {
        var ids = db.AuditEvents.AsNoTracking();
        var first = await ids.OrderBy(a => a.Id).Select(a => (long?)a.Id).FirstOrDefaultAsync(cancellationToken);
        var last = await ids.OrderByDescending(a => a.Id).Select(a => (long?)a.Id).FirstOrDefaultAsync(cancellationToken);
        if (first is not { } lo || last is not { } max)
        {
            return 0;
        }
        // Rows below lo are before the instant; rows at or above hi are at or after it.
        var hi = max + 1;
        while (lo < hi)
        {
            var mid = lo + (hi - lo) / 2;
            var row = await ids.Where(a => a.Id >= mid).OrderBy(a => a.Id)
                .Select(a => new { a.Id, a.At }).FirstOrDefaultAsync(cancellationToken);
            if (row is null || row.At >= instant)
            {
                hi = mid;
            }
            else
            {
                lo = row.Id + 1;
            }
        }
        return lo;
    }
}
