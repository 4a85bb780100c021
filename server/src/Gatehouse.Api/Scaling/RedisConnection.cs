using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gatehouse.Api.Scaling;

/// <summary>
/// The one connection to Redis this instance shares among its features (a multiplexer is meant to be
/// shared). Opened at start by <see cref="RevocationListener"/>; until then, and whenever Redis is
/// unreachable, <see cref="Database"/> and <see cref="Subscriber"/> throw and the callers fall back.
/// </summary>
public sealed partial class RedisConnection(IOptions<RedisSettings> options, ILogger<RedisConnection> logger) : IDisposable
{
    private ConnectionMultiplexer? _multiplexer;
    private int _down;

    public bool Enabled => options.Value.Enabled;

    public bool IsConnected => _multiplexer?.IsConnected == true;

    /// <summary>Where revoked session ids are announced: <c>{prefix}sessions:revoked</c>.</summary>
    public RedisChannel RevokedChannel => RedisChannel.Literal(options.Value.KeyPrefix + "sessions:revoked");

    /// <summary>A key under this deployment's prefix.</summary>
    public RedisKey Key(string name) => options.Value.KeyPrefix + name;

    public IDatabase Database => Connected().GetDatabase();

    public ISubscriber Subscriber => Connected().GetSubscriber();

    internal async Task ConnectAsync()
    {
        if (_multiplexer is not null)
        {
            return;
        }
        // With AbortOnConnectFail off this returns even when Redis is down, and keeps trying in the background.
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(options.Value.Parse());
        multiplexer.ConnectionFailed += (_, failure) => Lost(failure.FailureType.ToString());
        multiplexer.ConnectionRestored += (_, _) =>
        {
            if (multiplexer.IsConnected && Interlocked.Exchange(ref _down, 0) == 1)
            {
                LogRestored(logger);
            }
        };
        _multiplexer = multiplexer;
        if (!multiplexer.IsConnected)
        {
            Lost("UnableToConnect");
        }
        else
        {
            LogConnected(logger);
        }
    }

    /// <summary>Fired as soon as a connection is lost, before any caller notices.</summary>
    public event Action? ConnectionLost;

    private void Lost(string failure)
    {
        ConnectionLost?.Invoke();
        // One warning per outage: the client reports every failed reconnect attempt.
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            LogLost(logger, failure);
        }
    }

    private ConnectionMultiplexer Connected() =>
        _multiplexer ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Redis is not connected yet.");

    public void Dispose() => _multiplexer?.Dispose();

    [LoggerMessage(LogLevel.Information, "Connected to Redis: rate limits and session revocations are shared with the other instances")]
    private static partial void LogConnected(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Redis is unreachable ({Failure}): rate limits count per instance and session checks ask the database until it is back")]
    private static partial void LogLost(ILogger logger, string failure);

    [LoggerMessage(LogLevel.Information, "Redis is reachable again")]
    private static partial void LogRestored(ILogger logger);
}
