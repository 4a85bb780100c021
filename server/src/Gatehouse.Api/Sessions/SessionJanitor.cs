using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Sessions;

/// <summary>
/// Deletes sessions that ended (revoked, idle past their refresh token, or past their absolute end)
/// more than <see cref="SessionOptions.PurgeAfter"/> ago, with their refresh tokens. A live session
/// keeps every refresh token it ever had, so an old stolen one is still recognised as reuse; once
/// the session is over they serve nothing. The audit table keeps the history, for
/// <see cref="AuditOptions.RetainFor"/>: the same run deletes older audit events.
/// </summary>
public sealed partial class SessionJanitor(
    IServiceScopeFactory scopes, TimeProvider time, IOptions<SessionOptions> options, AuditRetention audit, ILogger<SessionJanitor> logger) : BackgroundService
{
    private const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PurgeAsync(stoppingToken);
                await PurgeDevicesAsync(stoppingToken);
                await PurgeAuditAsync(stoppingToken);
                await PurgeChallengesAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The database may be briefly unavailable; the next tick tries again.
                LogPurgeFailed(logger, exception);
            }
        }
    }

    /// <summary>Deletes what has been over for long enough; returns how many sessions went.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.PurgeAfter;
        var purged = 0;
        var after = Guid.Empty;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            // Paged by id, and dates compared here: SQLite cannot compare DateTimeOffset in SQL.
            var page = await db.Sessions.AsNoTracking()
                .Where(s => s.Id.CompareTo(after) > 0)
                .OrderBy(s => s.Id)
                .Take(BatchSize)
                .Select(s => new { s.Id, s.ExpiresAt, s.IdleExpiresAt, s.RevokedAt })
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].Id;
            var ended = page
                .Where(s => Min(s.RevokedAt ?? DateTimeOffset.MaxValue, s.ExpiresAt, s.IdleExpiresAt) < cutoff)
                .Select(s => s.Id)
                .ToList();
            if (ended.Count > 0)
            {
                await db.RefreshTokens.Where(t => ended.Contains(t.SessionId)).ExecuteDeleteAsync(cancellationToken);
                purged += await db.Sessions.Where(s => ended.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken);
            }
        }
        if (purged > 0)
        {
            LogPurged(logger, purged);
        }
        return purged;
    }

    /// <summary>Deletes known devices whose cookie has expired (no browser can present it any more); returns how many went.</summary>
    public async Task<int> PurgeDevicesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var purged = 0;
        var after = Guid.Empty;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            // Paged by id, dates compared here, as for sessions.
            var page = await db.KnownDevices.AsNoTracking()
                .Where(d => d.Id.CompareTo(after) > 0)
                .OrderBy(d => d.Id)
                .Take(BatchSize)
                .Select(d => new { d.Id, d.ExpiresAt })
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].Id;
            var expired = page.Where(d => d.ExpiresAt <= now).Select(d => d.Id).ToList();
            if (expired.Count > 0)
            {
                purged += await db.KnownDevices.Where(d => expired.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
            }
        }
        if (purged > 0)
        {
            LogDevicesPurged(logger, purged);
        }
        return purged;
    }

    /// <summary>Deletes audit events older than their retention; returns how many went.</summary>
    public async Task<int> PurgeAuditAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var purged = await audit.PurgeAsync(scope.ServiceProvider.GetRequiredService<GatehouseDbContext>(), cancellationToken);
        if (purged > 0)
        {
            LogAuditPurged(logger, purged);
        }
        return purged;
    }

    /// <summary>Deletes sign-in challenges (pending second factors, passkey ceremonies) a day after they expired.</summary>
    public async Task<int> PurgeChallengesAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Mfa.AuthChallenges>().PurgeAsync(cancellationToken);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b, DateTimeOffset c) =>
        a < b ? (a < c ? a : c) : (b < c ? b : c);

    [LoggerMessage(LogLevel.Information, "Purged {Count} ended sessions and their refresh tokens")]
    private static partial void LogPurged(ILogger logger, int count);

    [LoggerMessage(LogLevel.Information, "Purged {Count} known devices whose cookie expired")]
    private static partial void LogDevicesPurged(ILogger logger, int count);

    [LoggerMessage(LogLevel.Information, "Purged {Count} audit events past their retention")]
    private static partial void LogAuditPurged(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "Purging ended sessions failed; will retry")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
