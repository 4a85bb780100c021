using Gatehouse.Api.Security;
using StackExchange.Redis;

namespace Gatehouse.Api.Scaling;

/// <summary>
/// Fixed windows counted in Redis, so every instance draws on one count per key. One script call per
/// attempt: INCR, and on the first attempt of a window PEXPIRE, atomically, so no window can be left
/// without an expiry. Keys: <c>{prefix}rl:{action}:ip:{address}</c> and
/// <c>{prefix}rl:{action}:user:{sha256 hex}</c>; a username never appears in Redis as it was typed.
/// </summary>
public sealed class RedisRateLimitCounter(RedisConnection redis) : ISharedRateLimitCounter
{
    // Returns the count so far in this window and the milliseconds the window has left. A key that
    // somehow has no expiry (PTTL -1) gets one, so that it cannot lock an account out for good.
    private const string Script = """
        local count = redis.call('INCR', KEYS[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return { count, ttl }
        """;

    public bool Enabled => redis.Enabled;

    public async ValueTask<TimeSpan?> TakeAsync(LimitedAction action, bool perUser, string key, int permits, TimeSpan window)
    {
        var result = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(Script,
            [Key(action, perUser, key)], [(long)Math.Ceiling(window.TotalMilliseconds)]))!;
        var count = (long)result[0];
        var remaining = TimeSpan.FromMilliseconds((long)result[1]);
        return count <= permits ? null : remaining;
    }

    internal RedisKey Key(LimitedAction action, bool perUser, string key) =>
        redis.Key($"rl:{action.ToString().ToLowerInvariant()}:{(perUser ? "user:" + BruteForceLimits.HashedKey(key) : "ip:" + key)}");

    // Account keys are hashed (BruteForceLimits.HashedKey), enough to keep names out of a Redis dump or MONITOR.
}
