using BenchmarkDotNet.Attributes;
using Gatehouse.Api.Sessions;
using Gatehouse.Benchmarks.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Benchmarks.Sessions;

/// <summary>
/// The check every authenticated request makes after the token's signature (JwtBearer's
/// OnTokenValidated, through the singleton <see cref="SessionGuard"/>): is the session still live?
/// Answered from the in-memory cache, or from SQLite when the cache cannot be trusted (the Redis
/// fan-out is down) or has no entry.
/// </summary>
public class SessionCheckBenchmarks
{
    private BenchmarkApp _app = null!;
    private Session _session = null!;
    private SessionGuard _guard = null!;

    [GlobalSetup(Target = nameof(CacheHit))]
    public async Task SetupAsync()
    {
        _app = BenchmarkApp.Start();
        _session = await _app.CreateSessionAsync();
        _guard = _app.Services.GetRequiredService<SessionGuard>();
    }

    /// <summary>Every check then misses the cache and reads the session's row, as while Redis is unreachable.</summary>
    [GlobalSetup(Target = nameof(CacheMissSqlite))]
    public async Task SetupMissAsync()
    {
        await SetupAsync();
        _app.Services.GetRequiredService<SessionCache>().Distrust();
    }

    [GlobalCleanup]
    public void Cleanup() => _app.Dispose();

    /// <summary>What a request pays when the cache answers: no scope, no DbContext.</summary>
    [Benchmark(Baseline = true)]
    public ValueTask<bool> CacheHit() => Check();

    /// <summary>A miss: a scope of its own and one query on the session's primary key.</summary>
    [Benchmark]
    public ValueTask<bool> CacheMissSqlite() => Check();

    private async ValueTask<bool> Check() =>
        await _guard.IsActiveAsync(_session.Id, _session.UserId, CancellationToken.None)
            ? true
            : throw new InvalidOperationException("The session was refused.");
}
