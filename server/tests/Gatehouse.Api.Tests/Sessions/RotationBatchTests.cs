using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Sessions;

/// <summary>
/// Group commit of rotations (RotationBatches): on SQLite, the rotations that arrive while a commit
/// is in flight go together in the next transaction, and each request is answered after it. The
/// tests hold the first rotation's transaction open so that the others really queue behind it.
/// </summary>
public sealed class RotationBatchTests
{
    [Fact]
    public async Task Many_concurrent_refreshes_of_different_sessions_each_rotate_once_with_one_audit_row()
    {
        using var factory = new GatehouseFactory();
        var (username, _, first) = await factory.SignInAsync();
        var refreshes = await SignInAgainAsync(factory, username, 23);
        refreshes.Add(first);

        var responses = await Task.WhenAll(refreshes.Select(refresh => Task.Run(() => factory.RefreshAsync(refresh))));

        await AssertEachRotatedOnceAsync(factory, refreshes, responses);
    }

    [Fact]
    public async Task Refreshes_that_arrive_during_a_commit_go_together_in_transactions_of_at_most_64()
    {
        if (TestDatabase.IsPostgres)
        {
            return; // PostgreSQL locks rows: each rotation keeps its own transaction there.
        }
        var gate = new RotationGate();
        using var factory = new GatehouseFactory().WithServices(services => services.AddSingleton<IInterceptor>(gate));
        var (username, _, first) = await factory.SignInAsync();
        var queued = RotationBatches.MaxBatch + 6;
        var refreshes = await SignInAgainAsync(factory, username, queued);

        var held = await HoldOneRotationAsync(factory, gate, first);
        var responses = refreshes.Select(refresh => Task.Run(() => factory.RefreshAsync(refresh))).ToList();
        await WaitUntilQueuedAsync(factory, queued);
        // Nobody is answered before the commit that holds their rotation.
        Assert.False(held.IsCompleted);
        Assert.DoesNotContain(responses, r => r.IsCompleted);
        gate.Release();

        Assert.Equal(HttpStatusCode.OK, (await held).StatusCode);
        var answered = await Task.WhenAll(responses);
        // The held rotation alone, then the 70 that queued behind it: 64, then the other 6.
        Assert.Equal(3, gate.RotationTransactions);
        await AssertEachRotatedOnceAsync(factory, refreshes, answered);
    }

    [Fact]
    public async Task A_batch_drops_the_sealed_copy_of_each_rotated_tokens_predecessor_and_keeps_the_new_ones()
    {
        if (TestDatabase.IsPostgres)
        {
            return; // No batches on PostgreSQL; RefreshTests counts a lone rotation's statements there.
        }
        var gate = new RotationGate();
        using var factory = new GatehouseFactory().WithServices(services => services.AddSingleton<IInterceptor>(gate));
        var (username, _, first) = await factory.SignInAsync();
        // Each chain is rotated once before the batch, so its first token holds a sealed copy of the second.
        var seconds = new List<string>();
        foreach (var refresh in await SignInAgainAsync(factory, username, 8))
        {
            seconds.Add(SessionApi.Tokens(await factory.RefreshAsync(refresh)).Refresh);
        }
        var sessions = seconds.Select(factory.SessionOf).ToList();
        Assert.All(sessions, id => Assert.Single(SealedCopies(factory, id)));
        var before = gate.RotationTransactions;

        var held = await HoldOneRotationAsync(factory, gate, first);
        var responses = seconds.Select(refresh => Task.Run(() => factory.RefreshAsync(refresh))).ToList();
        await WaitUntilQueuedAsync(factory, seconds.Count);
        gate.Release();
        await held;
        Assert.All(await Task.WhenAll(responses), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // The held rotation, then the eight in one transaction.
        Assert.Equal(before + 2, gate.RotationTransactions);

        foreach (var (sessionId, second) in sessions.Zip(seconds))
        {
            // Only the token just retired can still be answered with its successor (the grace window).
            var tokens = factory.Query(db => db.RefreshTokens.AsNoTracking().Where(t => t.SessionId == sessionId).ToList());
            var hash = SessionApi.HashOf(second);
            var retiredNow = Assert.Single(tokens, t => t.TokenHash.SequenceEqual(hash));
            Assert.Equal(retiredNow.Id, Assert.Single(SealedCopies(factory, sessionId)));
            Assert.Equal(3, tokens.Count);
        }
    }

    private static List<Guid> SealedCopies(GatehouseFactory factory, Guid sessionId) =>
        factory.Query(db => db.RefreshTokens.AsNoTracking().Where(t => t.SessionId == sessionId && t.SuccessorSealed != null).Select(t => t.Id).ToList());

    [Fact]
    public async Task Two_refreshes_of_one_token_in_one_batch_rotate_it_once_and_both_get_its_successor()
    {
        if (TestDatabase.IsPostgres)
        {
            return; // No batches on PostgreSQL; RefreshTests runs this race there through row locks.
        }
        var gate = new RotationGate();
        using var factory = new GatehouseFactory().WithServices(services => services.AddSingleton<IInterceptor>(gate));
        var (username, _, other) = await factory.SignInAsync();
        var (_, refresh) = await factory.LogInAsync(username);

        var held = await HoldOneRotationAsync(factory, gate, other);
        var twice = Enumerable.Range(0, 2).Select(_ => Task.Run(() => factory.RefreshAsync(refresh))).ToList();
        await WaitUntilQueuedAsync(factory, 2);
        gate.Release();

        Assert.Equal(HttpStatusCode.OK, (await held).StatusCode);
        var responses = await Task.WhenAll(twice);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var successor = Assert.Single(responses.Select(r => SessionApi.Tokens(r).Refresh).Distinct());
        Assert.Equal(2, gate.RotationTransactions);
        var sessionId = factory.SessionOf(refresh);
        Assert.Single(factory.Query(db => db.RefreshTokens.Where(t => t.SessionId == sessionId && t.RetiredAt == null).ToList()));
        var outcomes = factory.Query(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.SessionId == sessionId && e.Event == AuditEvents.Refresh).Select(e => e.Outcome).ToList());
        Assert.Equal(new[] { "success", "success_within_grace" }, outcomes.Order());
        Assert.Null(factory.Query(db => db.Sessions.Single(s => s.Id == sessionId).RevokedAt));
        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshAsync(successor)).StatusCode);
    }

    [Fact]
    public async Task A_batch_whose_transaction_fails_answers_each_of_its_refreshes_503_retires_none_and_the_next_batch_works()
    {
        if (TestDatabase.IsPostgres)
        {
            return; // No batches on PostgreSQL; the next test covers a failed rotation there.
        }
        var gate = new RotationGate();
        using var factory = new GatehouseFactory().WithServices(services => services.AddSingleton<IInterceptor>(gate));
        var (username, _, first) = await factory.SignInAsync();
        var refreshes = await SignInAgainAsync(factory, username, 3);

        var held = await HoldOneRotationAsync(factory, gate, first);
        var failing = refreshes.Select(refresh => Task.Run(() => factory.RefreshAsync(refresh))).ToList();
        await WaitUntilQueuedAsync(factory, refreshes.Count);
        // The batch's last statement fails, after each of its tokens was retired within it.
        gate.FailNextSuccessorInsertAfterTheHeldOne();
        gate.Release();

        Assert.Equal(HttpStatusCode.OK, (await held).StatusCode);
        foreach (var response in await Task.WhenAll(failing))
        {
            Assert.Equal("unavailable", (await response.ProblemAsync(HttpStatusCode.ServiceUnavailable)).GetProperty("code").GetString());
            Assert.NotNull(response.Headers.RetryAfter);
        }
        Assert.Equal(2, gate.RotationTransactions);
        AssertNothingRotated(factory, refreshes);
        // Rolled back, not lost: the same tokens rotate in the next batch.
        var again = await Task.WhenAll(refreshes.Select(refresh => Task.Run(() => factory.RefreshAsync(refresh))));
        await AssertEachRotatedOnceAsync(factory, refreshes, again);
    }

    [Fact]
    public async Task A_rotation_that_fails_on_a_database_error_is_answered_503_and_its_token_still_refreshes()
    {
        var gate = new RotationGate();
        using var factory = new GatehouseFactory().WithServices(services => services.AddSingleton<IInterceptor>(gate));
        var (_, _, refresh) = await factory.SignInAsync();

        gate.FailNextSuccessorInsertAfterTheHeldOne();
        var failed = await factory.RefreshAsync(refresh);

        Assert.Equal("unavailable", (await failed.ProblemAsync(HttpStatusCode.ServiceUnavailable)).GetProperty("code").GetString());
        AssertNothingRotated(factory, [refresh]);
        var again = await factory.RefreshAsync(refresh);
        await AssertEachRotatedOnceAsync(factory, [refresh], [again]);
    }

    /// <summary>
    /// More sessions of one user, started as a password sign-in starts them but without its hash (70 hashes
    /// took most of a minute on a loaded machine); their refresh tokens.
    /// </summary>
    private static async Task<List<string>> SignInAgainAsync(GatehouseFactory factory, string username, int count)
    {
        var userId = factory.Query(db => db.Users.Single(u => u.UserName == username).Id);
        var refreshes = new List<string>();
        for (var i = 0; i < count; i++)
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var sessions = scope.ServiceProvider.GetRequiredService<SessionStore>();
            refreshes.Add((await sessions.CreateAsync(userId, AuthMethods.Password, new DefaultHttpContext(), CancellationToken.None)).RefreshToken);
        }
        return refreshes;
    }

    /// <summary>Starts a refresh of <paramref name="refresh"/> and returns once its transaction is open and held.</summary>
    private static async Task<Task<HttpResponseMessage>> HoldOneRotationAsync(GatehouseFactory factory, RotationGate gate, string refresh)
    {
        gate.HoldNextRetirement();
        var held = Task.Run(() => factory.RefreshAsync(refresh));
        await gate.Holding.WaitAsync(TimeSpan.FromSeconds(10));
        return held;
    }

    private static Task WaitUntilQueuedAsync(GatehouseFactory factory, int count)
    {
        var batches = factory.Services.GetRequiredService<RotationBatches>();
        return Eventually.HoldsAsync(() => Task.FromResult(batches.WaitingCount == count), $"{count} rotations wait for the commit in flight");
    }

    /// <summary>Each token was answered with a new pair, retired once, and recorded once; each successor works.</summary>
    private static async Task AssertEachRotatedOnceAsync(GatehouseFactory factory, IReadOnlyList<string> refreshes, IReadOnlyList<HttpResponseMessage> responses)
    {
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var successors = responses.Select(r => SessionApi.Tokens(r).Refresh).ToList();
        Assert.Equal(refreshes.Count, successors.Distinct().Count());
        foreach (var refresh in refreshes)
        {
            var sessionId = factory.SessionOf(refresh);
            var tokens = factory.Query(db => db.RefreshTokens.AsNoTracking().Where(t => t.SessionId == sessionId).ToList());
            var retired = Assert.Single(tokens, t => t.RetiredAt is not null);
            var live = Assert.Single(tokens, t => t.RetiredAt is null);
            Assert.Equal(live.Id, retired.SuccessorId);
            var audited = factory.Query(db => db.AuditEvents.AsNoTracking()
                .Count(e => e.SessionId == sessionId && e.Event == AuditEvents.Refresh && e.Outcome == AuditEvents.Success));
            Assert.Equal(1, audited);
        }
        foreach (var successor in successors)
        {
            var next = await factory.RefreshAsync(successor);
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(SessionApi.Tokens(next).Access));
        }
    }

    private static void AssertNothingRotated(GatehouseFactory factory, IReadOnlyList<string> refreshes)
    {
        foreach (var refresh in refreshes)
        {
            var sessionId = factory.SessionOf(refresh);
            var token = Assert.Single(factory.Query(db => db.RefreshTokens.AsNoTracking().Where(t => t.SessionId == sessionId).ToList()));
            Assert.Null(token.RetiredAt);
            Assert.Null(token.SuccessorId);
            Assert.Equal(0, factory.Query(db => db.AuditEvents.AsNoTracking().Count(e => e.SessionId == sessionId && e.Event == AuditEvents.Refresh)));
        }
    }

    /// <summary>
    /// Holds a rotation's transaction open at its first statement until released, fails the insert
    /// of successors in a later transaction with a database error, and counts the transactions that
    /// retired tokens.
    /// </summary>
    private sealed class RotationGate : DbCommandInterceptor
    {
        private readonly ConcurrentDictionary<DbTransaction, bool> _rotations = new(ReferenceEqualityComparer.Instance);
        private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private DbTransaction? _held;
        private int _hold;
        private int _fail;

        public Task Holding => _holding.Task;

        public int RotationTransactions => _rotations.Count;

        public void HoldNextRetirement() => Volatile.Write(ref _hold, 1);

        public void Release() => _released.TrySetResult();

        public void FailNextSuccessorInsertAfterTheHeldOne() => Volatile.Write(ref _fail, 1);

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            FailIfArmed(command);
            if (command.CommandText.Contains("UPDATE \"RefreshTokens\"", StringComparison.Ordinal)
                && command.CommandText.Contains("\"RetiredAt\"", StringComparison.Ordinal))
            {
                _rotations.TryAdd(command.Transaction!, true);
                if (Interlocked.Exchange(ref _hold, 0) == 1)
                {
                    Volatile.Write(ref _held, command.Transaction);
                    _holding.TrySetResult();
                    await _released.Task;
                }
            }
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            FailIfArmed(command);
            return ValueTask.FromResult(result);
        }

        private void FailIfArmed(DbCommand command)
        {
            if (command.CommandText.Contains("INSERT INTO \"RefreshTokens\"", StringComparison.Ordinal)
                && command.Transaction != Volatile.Read(ref _held)
                && Interlocked.Exchange(ref _fail, 0) == 1)
            {
                throw new InjectedDatabaseFailure();
            }
        }
    }

    private sealed class InjectedDatabaseFailure() : DbException("Injected by the test: the database failed mid-transaction.");
}
