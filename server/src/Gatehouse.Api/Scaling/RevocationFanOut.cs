using System.Collections.Concurrent;
using Gatehouse.Api.Sessions;
using StackExchange.Redis;

namespace Gatehouse.Api.Scaling;

/// <summary>
/// Announces revoked session ids on <see cref="RedisConnection.RevokedChannel"/>, comma-separated.
/// A failed announcement does not fail the request (the revocation is already in the database); the
/// ids are kept and announced again once Redis is back, so an instance that stayed connected does
/// not keep a revoked session for a whole cache lifetime.
/// </summary>
public sealed partial class RedisRevocationFanOut(RedisConnection redis, ILogger<RedisRevocationFanOut> logger) : ISessionRevocationFanOut
{
    // Bounded: an outage long enough to fill it outlasts the cache lifetime of every entry anyway.
    private const int MaxUnsent = 10_000;
    private readonly ConcurrentQueue<Guid> _unsent = new();

    public async Task PublishAsync(IReadOnlyCollection<Guid> sessionIds)
    {
        if (!redis.Enabled || sessionIds.Count == 0)
        {
            return;
        }
        try
        {
            await redis.Subscriber.PublishAsync(redis.RevokedChannel, string.Join(',', sessionIds));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogNotAnnounced(logger, sessionIds.Count, exception.GetType().Name);
            foreach (var id in sessionIds.Where(_ => _unsent.Count < MaxUnsent))
            {
                _unsent.Enqueue(id);
            }
        }
    }

    /// <summary>Announces what could not be announced while Redis was away.</summary>
    internal async Task PublishUnsentAsync()
    {
        var ids = new List<Guid>();
        while (_unsent.TryDequeue(out var id))
        {
            ids.Add(id);
        }
        foreach (var chunk in ids.Chunk(500))
        {
            await PublishAsync(chunk);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not announce {Count} revoked session(s) to the other instances ({Error}); they will be announced once Redis is back")]
    private static partial void LogNotAnnounced(ILogger logger, int count, string error);
}

/// <summary>
/// Listens on the revocation channel and marks announced sessions revoked in this instance's cache.
/// While it is not sure to be listening (Redis down, not yet subscribed, or not yet re-subscribed after
/// an outage) the cache's positive entries are not trusted, so every session check asks the database:
/// losing Redis makes this instance slower, never more permissive. It is sure again only once a probe
/// it published on the channel has come back to it.
/// </summary>
public sealed partial class RevocationListener(
    RedisConnection redis,
    SessionCache cache,
    RedisRevocationFanOut fanOut,
    Microsoft.Extensions.Options.IOptions<Tokens.TokenOptions> tokens,
    ILogger<RevocationListener> logger) : BackgroundService
{
    internal static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    private const string ProbePrefix = "probe:";

    private volatile TaskCompletionSource<bool>? _probe;
    private volatile string? _probeId;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (redis.Enabled)
        {
            // Not listening yet: nothing cached may be trusted before the first probe comes back.
            cache.Distrust();
            redis.ConnectionLost += cache.Distrust;
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!redis.Enabled)
        {
            return;
        }
        var subscribed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Inside the loop: a throw escaping ExecuteAsync would stop the whole host.
                await redis.ConnectAsync();
                if (!subscribed)
                {
                    await redis.Subscriber.SubscribeAsync(redis.RevokedChannel, OnMessage);
                    subscribed = true;
                }
                var listening = redis.IsConnected && redis.Subscriber.IsConnected(redis.RevokedChannel);
                if (!listening && cache.Trusted)
                {
                    cache.Distrust();
                }
                else if (listening && !cache.Trusted && await ProbeAsync(stoppingToken))
                {
                    // Anything announced while we were deaf may sit behind a positive entry: Trust drops them all.
                    cache.Trust();
                    LogListening(logger);
                    await fanOut.PublishUnsentAsync();
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Redis went away mid-step; the connection's own warning says so. Try again shortly.
                cache.Distrust();
                LogStepFailed(logger, exception.GetType().Name);
            }
            try
            {
                await Task.Delay(CheckInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        redis.ConnectionLost -= cache.Distrust;
        return base.StopAsync(cancellationToken);
    }

    /// <summary>Publishes a probe on the channel and waits for it to come back through this instance's own subscription.</summary>
    private async Task<bool> ProbeAsync(CancellationToken stoppingToken)
    {
        var probe = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _probe = probe;
        _probeId = ProbePrefix + Guid.NewGuid().ToString("N");
        await redis.Subscriber.PublishAsync(redis.RevokedChannel, _probeId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            return await probe.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue message)
    {
        var text = (string?)message ?? "";
        if (text.StartsWith(ProbePrefix, StringComparison.Ordinal))
        {
            // Probes from other instances are theirs to wait for.
            if (text == _probeId)
            {
                _probe?.TrySetResult(true);
            }
            return;
        }
        var lifetime = Sessions.SessionStore.RevokedMarkLifetimeFor(tokens.Value);
        foreach (var part in text.Split(','))
        {
            if (Guid.TryParse(part, out var sessionId))
            {
                cache.MarkRevoked(sessionId, lifetime);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Listening for session revocations from the other instances")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(LogLevel.Debug, "Revocation listener step failed ({Error}); session checks ask the database meanwhile")]
    private static partial void LogStepFailed(ILogger logger, string error);
}
