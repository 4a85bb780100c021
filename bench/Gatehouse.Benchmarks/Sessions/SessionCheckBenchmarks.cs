using BenchmarkDotNet.Attributes;
using Gatehouse.Api.Sessions;
using Gatehouse.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Benchmarks.Sessions;

/// <summary>
/// The check every authenticated request makes after the token's signature (JwtBearer's
/// OnTokenValidated): is the session still live? Answered from the in-memory cache, or from SQLite
/// when the cache cannot be trusted (the Redis fan-out is down) or has no entry.
/// </summary>
public class SessionCheckBenchmarks
{
    private BenchmarkApp _app = null!;
    private Session _session = null!;
    private AsyncServiceScope _scope;
    private SessionStore _store = null!;

    [GlobalSetup(Targets = [nameof(CacheHit), nameof(CacheHitInRequestScope)])]
    public async Task SetupAsync()
    {
        _app = BenchmarkApp.Start();
        _session = await _app.CreateSessionAsync();
        _scope = _app.Services.CreateAsyncScope();
        _store = _scope.ServiceProvider.GetRequiredService<SessionStore>();
    }

    /// <summary>Every check then misses the cache and reads the session's row, as while Redis is unreachable.</summary>
    [GlobalSetup(Target = nameof(CacheMissSqlite))]
    public async Task SetupMissAsync()
    {
        await SetupAsync();
        _app.Services.GetRequiredService<SessionCache>().Distrust();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _scope.DisposeAsync();
        _app.Dispose();
    }

    /// <summary>The store's own work on a cache hit.</summary>
    [Benchmark(Baseline = true)]
    public Task<bool> CacheHit() => Check(_store);

    /// <summary>What a request pays on a hit: OnTokenValidated resolves the scoped store, and with it a DbContext.</summary>
    [Benchmark]
    public async Task<bool> CacheHitInRequestScope()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await Check(scope.ServiceProvider.GetRequiredService<SessionStore>());
    }

    /// <summary>A miss: one query on the session's primary key, in a request's scope.</summary>
    [Benchmark]
    public async Task<bool> CacheMissSqlite()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await Check(scope.ServiceProvider.GetRequiredService<SessionStore>());
    }

    private async Task<bool> Check(SessionStore store) =>
        await store.IsActiveAsync(_session.Id, _session.UserId, CancellationToken.None)
            ? true
            : throw new InvalidOperationException("The session was refused.");
}
