using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gatehouse.Api.Scaling;

/// <summary>
/// Redis, for running many API instances behind one load balancer: shared rate-limit counters and
/// the revocation fan-out. Optional: without it one instance keeps both in memory.
/// </summary>
public sealed class RedisSettings
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>; env <c>Redis__Configuration</c>.</summary>
    public string? Configuration { get; set; }

    /// <summary>Starts every key and channel name, so that deployments (or test hosts) sharing one Redis keep apart.</summary>
    public string KeyPrefix { get; set; } = "gatehouse:";

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);

    /// <summary>The parsed configuration, with what Gatehouse needs whatever the string says.</summary>
    internal ConfigurationOptions Parse()
    {
        var options = ConfigurationOptions.Parse(Configuration!);
        // Start, and keep serving, while Redis is down: the fallbacks keep every instance correct, and
        // the client reconnects by itself.
        options.AbortOnConnectFail = false;
        // A command sent while disconnected fails at once (the caller falls back) instead of waiting
        // in a queue for the connection to return.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ClientName ??= "gatehouse";
        return options;
    }
}

internal sealed class RedisSettingsValidator : IValidateOptions<RedisSettings>
{
    private const string Fix =
        "Use a StackExchange.Redis configuration string such as 127.0.0.1:6379 or redis.internal:6380,ssl=true,password=… " +
        "(see https://stackexchange.github.io/StackExchange.Redis/Configuration), or leave it empty to run one instance without Redis.";

    public ValidateOptionsResult Validate(string? name, RedisSettings options)
    {
        var failures = new List<string>();
        if (options.Enabled)
        {
            try
            {
                if (options.Parse().EndPoints.Count == 0)
                {
                    failures.Add($"Redis:Configuration names no server. {Fix}");
                }
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or RedisException)
            {
                // The parser's own words name the bad keyword; the string itself may hold a password, so it is not repeated.
                failures.Add($"Redis:Configuration could not be read ({exception.Message}). {Fix}");
            }
        }
        if (string.IsNullOrEmpty(options.KeyPrefix) || options.KeyPrefix.Length > 64 || options.KeyPrefix.Any(char.IsWhiteSpace))
        {
            failures.Add("Redis:KeyPrefix must be 1 to 64 characters without spaces, e.g. gatehouse: (default); give each deployment sharing one Redis its own.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
