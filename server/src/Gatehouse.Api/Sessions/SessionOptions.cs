using Gatehouse.Api.Tokens;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Sessions;

/// <summary>How long a session lives. Access tokens are short (Gatehouse:Tokens:Lifetime); refresh tokens carry the session.</summary>
public sealed class SessionOptions
{
    public const string Section = "Gatehouse:Sessions";

    /// <summary>A refresh token unused this long expires; each use starts it again (sliding).</summary>
    public TimeSpan RefreshLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>No session outlives this, however often it is refreshed: the user signs in again.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// After a rotation, the old token still gets the same successor for this long, so two tabs or a
    /// retried request refreshing at once are not mistaken for theft.
    /// </summary>
    public TimeSpan ReuseGraceWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An ended session (and its refresh tokens) is deleted this long after it ended.</summary>
    public TimeSpan PurgeAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often ended sessions are looked for.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class SessionOptionsValidator(IOptions<TokenOptions> tokens) : IValidateOptions<SessionOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionOptions options)
    {
        var failures = new List<string>();
        var access = tokens.Value.Lifetime;
        if (options.RefreshLifetime <= access || options.RefreshLifetime > TimeSpan.FromDays(365))
        {
            failures.Add($"Gatehouse:Sessions:RefreshLifetime is {options.RefreshLifetime}; it must be longer than the access-token lifetime ({access}) and at most 365 days, e.g. 14.00:00:00 (default).");
        }
        if (options.AbsoluteLifetime < options.RefreshLifetime || options.AbsoluteLifetime > TimeSpan.FromDays(365))
        {
            failures.Add($"Gatehouse:Sessions:AbsoluteLifetime is {options.AbsoluteLifetime}; it must be at least the refresh lifetime ({options.RefreshLifetime}) and at most 365 days, e.g. 30.00:00:00 (default).");
        }
        if (options.ReuseGraceWindow < TimeSpan.Zero || options.ReuseGraceWindow > TimeSpan.FromMinutes(2))
        {
            failures.Add($"Gatehouse:Sessions:ReuseGraceWindow is {options.ReuseGraceWindow}; use 00:00:00 to 00:02:00, e.g. 00:00:30 (default). A long window lets a stolen token be used after its owner refreshed.");
        }
        if (options.PurgeAfter < TimeSpan.Zero || options.PurgeAfter > TimeSpan.FromDays(3650))
        {
            failures.Add($"Gatehouse:Sessions:PurgeAfter is {options.PurgeAfter}; use 00:00:00 to 3650 days, e.g. 7.00:00:00 (default).");
        }
        if (options.PurgeInterval < TimeSpan.FromSeconds(1) || options.PurgeInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"Gatehouse:Sessions:PurgeInterval is {options.PurgeInterval}; use 00:00:01 to 1.00:00:00, e.g. 01:00:00 (default).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
