using System.Data.Common;
using System.Net;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Sessions;

/// <summary>A sign-in racing a password change must not leave a session the change missed.</summary>
public sealed class PasswordChangeRaceTests
{
    [Fact]
    public async Task A_sign_in_that_checked_the_old_password_before_a_change_gets_no_session()
    {
        var gate = new SessionInsertGate();
        using var factory = new GatehouseFactory().WithServices(services =>
            services.AddSingleton<IInterceptor>(gate));
        var (username, changer, _) = await factory.SignInAsync();

        // The sign-in passes the password check, then waits just before writing its session...
        gate.Arm();
        var racing = Task.Run(() => factory.Bare().LoginAsync(username));
        await gate.Reached.WaitAsync(TimeSpan.FromSeconds(10));
        // ...while the password changes and every session is revoked.
        var change = await factory.SendAsync(HttpMethod.Post, "/auth/password", changer,
            new { currentPassword = TestApi.StrongPassword, newPassword = "a brand new passphrase" });
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        gate.Release();

        var login = await racing;

        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
        var renewed = TestApi.AccessTokenCookie(change)!.Value.ToString();
        Assert.Single(await factory.SessionsAsync(renewed)); // only the changer's new session is live
    }

    [Fact]
    public async Task A_failed_sign_in_landing_during_a_password_change_does_not_spoil_it()
    {
        // A wrong guess at the account bumps its concurrency stamp between the change's read and its write.
        var bump = new StampBump();
        using var factory = new GatehouseFactory().WithServices(services =>
            services.AddSingleton<IInterceptor>(bump));
        var (username, access, _) = await factory.SignInAsync();
        bump.Arm(factory.DataDirectory, username);

        var change = await factory.SendAsync(HttpMethod.Post, "/auth/password", access,
            new { currentPassword = TestApi.StrongPassword, newPassword = "a brand new passphrase" });

        Assert.True(bump.Fired);
        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.Bare().LoginAsync(username, "a brand new passphrase")).StatusCode);
    }

    /// <summary>Changes the user's concurrency stamp from another connection just before the password is written.</summary>
    private sealed class StampBump : DbCommandInterceptor
    {
        private string? _directory;
        private string? _username;

        public bool Fired { get; private set; }

        public void Arm(string dataDirectory, string username)
        {
            _directory = dataDirectory;
            _username = username;
        }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            // A one-statement save runs without a transaction, so no lock is held yet.
            if (command.CommandText.Contains("UPDATE \"AspNetUsers\"") && command.CommandText.Contains("\"PasswordHash\"")
                && Interlocked.Exchange(ref _directory, null) is { } directory)
            {
                await using var other = await TestDatabase.OpenAsync(directory);
                var bump = other.CreateCommand();
                bump.CommandText = "UPDATE \"AspNetUsers\" SET \"ConcurrencyStamp\" = @stamp WHERE \"UserName\" = @name";
                AddParameter(bump, "stamp", Guid.NewGuid().ToString());
                AddParameter(bump, "name", _username);
                Fired = await bump.ExecuteNonQueryAsync(cancellationToken) == 1;
            }
            return result;
        }
    }

    private static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// Holds the first transaction begun after <see cref="Arm"/> (the sign-in's session write) until
    /// <see cref="Release"/>. Held before it begins: SQLite's BEGIN IMMEDIATE would lock out the change.
    /// </summary>
    private sealed class SessionInsertGate : DbTransactionInterceptor
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _armed;

        public Task Reached => _reached.Task;

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Release() => _released.TrySetResult();

        public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
            DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _reached.TrySetResult();
                await _released.Task;
            }
            return result;
        }
    }
}
