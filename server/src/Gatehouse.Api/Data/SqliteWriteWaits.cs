using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Gatehouse.Api.Data;

/// <summary>
/// SQLite lets one connection write at a time. Without a busy timeout, a second writer gets
/// SQLITE_BUSY at once and Microsoft.Data.Sqlite retries it after sleeping 150 ms, so a few
/// concurrent refreshes or sign-ins queued for hundreds of milliseconds while the cores idled.
/// With <c>busy_timeout</c>, SQLite itself waits for the lock, polling from the first millisecond.
/// Set on every open: a pooled connection keeps it, and the statement costs microseconds.
/// </summary>
internal sealed class SqliteWriteWaits : DbConnectionInterceptor
{
    // The same bound as the command timeout Microsoft.Data.Sqlite applies to its own retries.
    private const string Pragma = "PRAGMA busy_timeout = 30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
