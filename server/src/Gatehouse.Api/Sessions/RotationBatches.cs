using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Sessions;

/// <summary>
/// A refresh token's rotation, all decided before it is written: the token it retires, its successor
/// and the successor's sealed copy (for the grace window), and the client the audit row names.
/// </summary>
public sealed record Rotation(Guid RetiredId, RefreshToken Successor, byte[] SuccessorSealed, Session Session, DateTimeOffset At, AuditClient Client);

/// <summary>
/// Writes rotations, on SQLite by group commit. Each SQLite commit costs a WAL fsync
/// (<c>synchronous=FULL</c>) and SQLite has one writer, so a transaction per rotation held refreshes
/// to the disk's fsync rate. Here the rotations that arrive while a commit is in flight wait for it,
/// then go together in one transaction (at most <see cref="MaxBatch"/>): one fsync for all of them.
/// Nothing waits on a timer; a rotation that finds no commit in flight is written at once.
/// Durability and every guarantee of a single rotation hold: each caller is answered only after the
/// commit that holds its rotation; each token is retired by a conditional update, so of two
/// rotations of one token in a batch the second finds it retired and writes nothing; the audit row
/// commits with its rotation; the write goes on when its client hangs up; and when the transaction
/// fails, every rotation in it fails with that exception, as a lone rotation's failed commit did.
/// PostgreSQL locks rows and groups commits itself: there each rotation keeps its own transaction,
/// on the request's context.
/// </summary>
public sealed class RotationBatches(IServiceScopeFactory scopes, SqliteWriteTurns writeTurns)
{
    /// <summary>Bounds a transaction's length, so the first rotation of a batch is not kept waiting for too many others.</summary>
    internal const int MaxBatch = 64;

    private readonly Lock _gate = new();
    private readonly List<Waiting> _waiting = [];
    private bool _writing;

    private sealed record Waiting(Rotation Rotation, TaskCompletionSource<bool> Written);

    /// <summary>Rotations waiting for the commit in flight to end (for tests).</summary>
    internal int WaitingCount
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Writes the rotation and returns once it has committed: true when it retired the token, false
    /// when another request had already (then it wrote nothing). Not cancellable.
    /// </summary>
    public async Task<bool> RotateAsync(Rotation rotation, GatehouseDbContext db, AuditLog audit)
    {
        if (!db.Database.IsSqlite())
        {
            var rotated = await CommitAsync(db, audit, [rotation]);
            db.ChangeTracker.Clear();
            return rotated[0];
        }

        var waiting = new Waiting(rotation, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool startWriter;
        lock (_gate)
        {
            _waiting.Add(waiting);
            startWriter = !_writing;
            _writing = true;
        }
        if (startWriter)
        {
            // The writer outlives this request and writes others' rotations: it must not carry this
            // request's execution context (its logging scope, its activity) into their batches.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(WriteWhileWaitingAsync);
            }
        }
        return await waiting.Written.Task;
    }

    private async Task WriteWhileWaitingAsync()
    {
        while (true)
        {
            Waiting[] batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _writing = false;
                    return;
                }
                batch = _waiting.GetRange(0, Math.Min(_waiting.Count, MaxBatch)).ToArray();
                _waiting.RemoveRange(0, batch.Length);
            }
            await WriteAsync(batch);
        }
    }

    /// <summary>One transaction on a context of its own; every caller learns its outcome. Never throws.</summary>
    private async Task WriteAsync(Waiting[] batch)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            using var turn = await writeTurns.TakeAsync(db);
            var rotated = await CommitAsync(db, scope.ServiceProvider.GetRequiredService<AuditLog>(), batch.Select(w => w.Rotation).ToList());
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i].Written.TrySetResult(rotated[i]);
            }
        }
        catch (Exception exception)
        {
            // Rolled back, all of it: each request fails as it would have with its own failed commit
            // (the exception handler answers 503 when the database is unavailable), and its token,
            // still unretired, can be presented again.
            foreach (var waiting in batch)
            {
                waiting.Written.TrySetException(exception);
            }
        }
    }

    private static async Task<bool[]> CommitAsync(GatehouseDbContext db, AuditLog audit, IReadOnlyList<Rotation> rotations)
    {
        var rotated = new bool[rotations.Count];
        var retired = new List<Guid?>(rotations.Count);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        for (var i = 0; i < rotations.Count; i++)
        {
            var (retiredId, successor, sealedValue, session, now, client) = rotations[i];
            rotated[i] = await db.RefreshTokens
                .Where(t => t.Id == retiredId && t.RetiredAt == null)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(t => t.RetiredAt, now)
                    .SetProperty(t => t.SuccessorId, successor.Id)
                    .SetProperty(t => t.SuccessorSealed, sealedValue), CancellationToken.None) == 1;
            if (!rotated[i])
            {
                continue;
            }
            db.RefreshTokens.Add(successor);
            // The audit row goes in the rotation's own transaction: no rotation without its record.
            audit.Add(client, AuditEvents.Refresh, AuditEvents.Success, session.UserId, session.Id);
            await db.Sessions.Where(s => s.Id == session.Id).ExecuteUpdateAsync(set => set
                .SetProperty(s => s.LastUsedAt, now)
                .SetProperty(s => s.IdleExpiresAt, successor.ExpiresAt)
                .SetProperty(s => s.IpAddress, client.IpAddress)
                .SetProperty(s => s.UserAgent, client.UserAgent), CancellationToken.None);
            retired.Add(retiredId);
        }
        if (retired.Count > 0)
        {
            // The grandparents can no longer be answered with their successors (now retired): drop their
            // sealed copies, for the whole batch in one statement. No token in a batch is another's
            // grandparent: a successor can be presented only after the commit that created it.
            await db.RefreshTokens.Where(t => retired.Contains(t.SuccessorId)).ExecuteUpdateAsync(
                set => set.SetProperty(t => t.SuccessorSealed, (byte[]?)null), CancellationToken.None);
        }
        // The successors and audit rows of the whole batch, in one statement where the provider batches.
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        return rotated;
    }
}
