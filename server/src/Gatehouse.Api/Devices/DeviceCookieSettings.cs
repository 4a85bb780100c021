using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Devices;

/// <summary>Device cookies (OWASP's defence against a stranger keeping an account locked). Safe defaults.</summary>
public sealed class DeviceCookieSettings
{
    public const string Section = "Gatehouse:DeviceCookies";

    /// <summary>
    /// How long a browser stays known after its last successful sign-in (each sign-in issues a new
    /// cookie). Longer than a session, so the owner's browser is still known when it next signs in.
    /// </summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(180);

    /// <summary>
    /// Wrong passwords a known device may send before it is locked on its own, for as long as an
    /// account lockout lasts (15 minutes). The account's lock for unknown clients is Identity's, 10.
    /// </summary>
    public int MaxFailedAttempts { get; set; } = 10;
}

internal sealed class DeviceCookieSettingsValidator : IValidateOptions<DeviceCookieSettings>
{
    public ValidateOptionsResult Validate(string? name, DeviceCookieSettings options)
    {
        var failures = new List<string>();
        // Browsers cap a cookie's lifetime at 400 days; a longer one would silently be cut short.
        if (options.Lifetime < TimeSpan.FromDays(1) || options.Lifetime > TimeSpan.FromDays(400))
        {
            failures.Add($"Gatehouse:DeviceCookies:Lifetime is {options.Lifetime}; use 1 to 400 days (browsers keep no cookie longer), e.g. 180.00:00:00 (default).");
        }
        if (options.MaxFailedAttempts < 1 || options.MaxFailedAttempts > 100)
        {
            failures.Add($"Gatehouse:DeviceCookies:MaxFailedAttempts is {options.MaxFailedAttempts}; use 1 to 100, e.g. 10 (default).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
