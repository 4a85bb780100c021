using Gatehouse.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Audit;

/// <summary>How long the audit log keeps an event (<c>Gatehouse:Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string Section = "Gatehouse:Audit";

    /// <summary>
    /// Events older than this are deleted by the hourly clean-up. Long enough to investigate an
    /// incident; not forever, because every row holds an IP address and a user agent, and every
    /// refresh adds one (a browser that stays active adds up to 144 a day).
    /// </summary>
    public TimeSpan RetainFor { get; set; } = TimeSpan.FromDays(90);
}

internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options) =>
        options.RetainFor < TimeSpan.FromDays(1) || options.RetainFor > TimeSpan.FromDays(3650)
            ? ValidateOptionsResult.Fail($"Gatehouse:Audit:RetainFor is {options.RetainFor}; use 1 to 3650 days, e.g. 90.00:00:00 (default).")
            : ValidateOptionsResult.Success;
}

/// <summary>Deletes audit events past their retention, oldest first, a page at a time.</summary>
public sealed class AuditRetention(IOptions<AuditOptions> options, TimeProvider time)
{
    private const int BatchSize = 500;

    /// <summary>Returns how many events went.</summary>
    public async Task<int> PurgeAsync(GatehouseDbContext db, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.RetainFor;
        var purged = 0;
        while (true)
        {
            // Ids grow with time, so the oldest events come first; dates are compared here because
            // SQLite cannot compare DateTimeOffset in SQL. A page without an old event ends the run.
            var old = (await db.AuditEvents.AsNoTracking()
                    .OrderBy(a => a.Id)
                    .Take(BatchSize)
                    .Select(a => new { a.Id, a.At })
                    .ToListAsync(cancellationToken))
                .Where(a => a.At < cutoff)
                .Select(a => a.Id)
                .ToList();
            if (old.Count == 0)
            {
                return purged;
            }
            purged += await db.AuditEvents.Where(a => old.Contains(a.Id)).ExecuteDeleteAsync(cancellationToken);
        }
    }
}
