using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Data;

/// <summary>A restart keeps users, sessions and (in Development) the signing key.</summary>
public sealed class PersistenceTests
{
    [Fact]
    public async Task A_restart_keeps_users_sessions_and_the_development_key()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            string username, token, kid;
            using (var before = GatehouseFactory.OnDirectory(directory))
            {
                (username, token) = await before.CreateClient().SignUpAndLogInAsync();
                kid = new JsonWebToken(token).Kid;
            }
            Assert.Equal(!TestDatabase.IsPostgres, File.Exists(Path.Combine(directory, "gatehouse.db")));
            Assert.True(File.Exists(Path.Combine(directory, "signing-key.pem")));

            using var after = GatehouseFactory.OnDirectory(directory);
            var client = after.CreateClient(new() { HandleCookies = false });

            var me = await client.SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token));
            Assert.Equal(username, (await me.JsonAsync(HttpStatusCode.OK)).GetProperty("username").GetString());
            Assert.Equal(HttpStatusCode.OK, (await after.CreateClient().LoginAsync(username)).StatusCode);
            Assert.Contains(kid, await client.GetStringAsync("/.well-known/jwks.json"));
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_development_key_file_is_readable_by_its_owner_only()
    {
        using var factory = new GatehouseFactory();
        factory.CreateClient();
        _ = factory.Services.GetRequiredService<Gatehouse.Api.Tokens.SigningKeys>();

        var mode = File.GetUnixFileMode(Path.Combine(factory.DataDirectory, "signing-key.pem"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_sqlite_files_and_a_data_folder_gatehouse_creates_are_readable_by_their_owner_only()
    {
        // They hold password and refresh-token hashes: no other local user may read them, whatever the umask.
        var parent = GatehouseFactory.NewDataDirectory();
        try
        {
            var folder = Path.Combine(parent, "data");
            using var factory = GatehouseFactory.OnDirectory(folder).With("Database:Provider", "sqlite").With("ConnectionStrings:Default", "");

            var client = factory.CreateClient(); // starts the API, which creates the database
            using var holder = HoldOpen(Path.Combine(folder, "gatehouse.db"));
            await client.SignUpAndLogInAsync(); // writes, so the -wal and -shm files exist

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            foreach (var name in new[] { "gatehouse.db", "gatehouse.db-wal", "gatehouse.db-shm" })
            {
                var file = Path.Combine(folder, name);
                Assert.True(File.Exists(file), name);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(parent);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_sqlite_file_named_by_the_connection_string_is_readable_by_its_owner_only()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            var file = Path.Combine(directory, "elsewhere.db");
            using var factory = new GatehouseFactory().With("Database:Provider", "sqlite").With("ConnectionStrings:Default", $"Data Source={file}");

            var client = factory.CreateClient();
            using var holder = HoldOpen(file);
            await client.SignUpAndLogInAsync();

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file + "-wal"));
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    public async Task A_connection_string_overrides_the_data_folder()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            var file = Path.Combine(directory, "elsewhere.db");
            // A SQLite path, whichever database the rest of the suite runs on.
            using var factory = new GatehouseFactory().With("Database:Provider", "sqlite").With("ConnectionStrings:Default", $"Data Source={file}");

            await factory.CreateClient().SignUpAndLogInAsync();

            Assert.True(File.Exists(file));
            Assert.False(File.Exists(Path.Combine(factory.DataDirectory, "gatehouse.db")));
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    /// <summary>
    /// The test's own connection, outside the pool, holding the database open so its -wal and -shm
    /// files stay to be looked at: SQLite deletes them when the last connection closes, and nothing
    /// promises that one of the API's pooled connections is open at that moment (the pool prunes
    /// idle ones).
    /// </summary>
    private static SqliteConnection HoldOpen(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT count(*) FROM sqlite_master"; // a read opens the -wal and -shm files
        read.ExecuteScalar();
        return connection;
    }
}
