using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
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
