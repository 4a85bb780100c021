using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Gatehouse.Api.Data;

/// <summary>
/// Gatehouse's files hold password hashes, refresh-token hashes and (in Development) the signing key:
/// whatever it creates, only its own user may read. A folder or file that already exists keeps the
/// mode its owner gave it.
/// </summary>
internal static class PrivateFiles
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    internal const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (and any missing parents) as 0700; an existing one is left as it is.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path, OwnerOnlyFolder);
        }
    }

    /// <summary>Creates an empty file as 0600 unless it exists (SQLite takes an empty file as a new database).</summary>
    public static void CreateEmptyFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another connection or process made it first.
        }
    }
}

/// <summary>
/// SQLite creates a missing database file with the process's umask (usually 0644: readable by every
/// local user). Before the first open, the file is made here as 0600; SQLite then gives its -wal and
/// -shm files the database file's own mode.
/// </summary>
internal sealed class SqlitePrivateFile : DbConnectionInterceptor
{
    private int _done;

    public override InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Prepare(connection);
        return result;
    }

    public override ValueTask<InterceptionResult> ConnectionOpeningAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
    {
        Prepare(connection);
        return ValueTask.FromResult(result);
    }

    private void Prepare(DbConnection connection)
    {
        if (Volatile.Read(ref _done) == 1 || connection is not SqliteConnection)
        {
            return;
        }
        var settings = new SqliteConnectionStringBuilder(connection.ConnectionString);
        var path = settings.DataSource;
        // In-memory databases, URIs and |DataDirectory| are left to SQLite.
        if (settings.Mode is SqliteOpenMode.ReadWriteCreate && !string.IsNullOrEmpty(path) && path != ":memory:"
            && !path.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && !path.Contains('|', StringComparison.Ordinal))
        {
            path = Path.GetFullPath(path);
            PrivateFiles.CreateFolder(Path.GetDirectoryName(path)!);
            PrivateFiles.CreateEmptyFile(path);
        }
        Volatile.Write(ref _done, 1);
    }
}
