using Gatehouse.Api.Hosting;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using SQLitePCL;

namespace Gatehouse.Api.Data;

/// <summary>
/// SQLite lets one connection write at a time. Without a busy timeout, a second writer gets
/// SQLITE_BUSY at once and Microsoft.Data.Sqlite retries it after sleeping 150 ms, so a few
/// concurrent refreshes or sign-ins queued for hundreds of milliseconds while the cores idled.
/// With a busy timeout, SQLite itself waits for the lock, polling from the first millisecond.
/// Set on every open through the native call (no statement to parse): a pooled connection keeps it.
/// </summary>
internal sealed class SqliteWriteWaits : DbConnectionInterceptor
{
    // The same bound as the command timeout Microsoft.Data.Sqlite applies to its own retries.
    private const int TimeoutMilliseconds = 30_000;

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            raw.sqlite3_busy_timeout(handle, TimeoutMilliseconds);
        }
    }
}

/// <summary>
/// Write transactions of this process on SQLite take turns here before they ask SQLite for its
/// write lock. SQLite's own wait (the busy timeout above) polls, sleeping 1, 2, 5, 10… ms between
/// tries, so under a steady stream of writers the lock often sits free while every waiter sleeps;
/// a turn here is handed to the next waiter the moment the last one commits. SQLite's lock stays
/// the guarantee (other processes, and writes that take no turn, still wait for it). PostgreSQL has
/// no such lock: there a turn is not taken.
/// </summary>
public sealed class SqliteWriteTurns : IDisposable
{
    // The same bound as the busy timeout: past it, the writer goes on and SQLite's wait decides.
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _turn = new(1, 1);

    /// <summary>Waits for this writer's turn on SQLite (null elsewhere); dispose the result once committed or rolled back.</summary>
    public async ValueTask<IDisposable?> TakeAsync(GatehouseDbContext db) =>
        db.Database.IsSqlite() && await _turn.WaitAsync(MaxWait) ? new ReleaseOnce(() => _turn.Release()) : null;

    public void Dispose() => _turn.Dispose();
}
