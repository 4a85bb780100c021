using System.Collections.Concurrent;
using Gatehouse.Api.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Security;

/// <summary>One action's limits: attempts per window, per client address and per account.</summary>
public sealed class ActionLimit
{
    public int PerIp { get; set; }
    public int PerUser { get; set; }
    public TimeSpan Window { get; set; }
}

/// <summary>
/// Brute-force limits on the endpoints an attacker would hammer. Per IP, so one machine cannot try
/// many accounts; per account, so many machines cannot try one account faster than the lockout allows.
/// </summary>
public sealed class RateLimitSettings
{
    public const string Section = "Gatehouse:RateLimits";

    /// <summary>Off only for load tests and the e2e suite, which sign in hundreds of times from one address.</summary>
    public bool Enabled { get; set; } = true;

    public ActionLimit Login { get; set; } = new() { PerIp = 30, PerUser = 10, Window = TimeSpan.FromMinutes(1) };
    public ActionLimit Register { get; set; } = new() { PerIp = 20, PerUser = 5, Window = TimeSpan.FromHours(1) };
    public ActionLimit Refresh { get; set; } = new() { PerIp = 120, PerUser = 60, Window = TimeSpan.FromMinutes(1) };
    public ActionLimit Password { get; set; } = new() { PerIp = 20, PerUser = 5, Window = TimeSpan.FromMinutes(15) };

    /// <summary>Asking for a verification mail, per client and per account or address: each one is a mail sent.</summary>
    public ActionLimit EmailVerification { get; set; } = new() { PerIp = 20, PerUser = 5, Window = TimeSpan.FromHours(1) };

    /// <summary>Forgot-password requests, per client and per account or address: each one may be a mail sent.</summary>
    public ActionLimit PasswordForgot { get; set; } = new() { PerIp = 20, PerUser = 5, Window = TimeSpan.FromHours(1) };

    /// <summary>Using a link's token (verify, reset, confirm a change), per client: guessing one is hopeless, but not free.</summary>
    public ActionLimit EmailToken { get; set; } = new() { PerIp = 30, PerUser = 10, Window = TimeSpan.FromMinutes(15) };

    /// <summary>Asking to change the address, per client and per account: a password check and a mail each.</summary>
    public ActionLimit EmailChange { get; set; } = new() { PerIp = 20, PerUser = 5, Window = TimeSpan.FromHours(1) };

    /// <summary>Second-factor codes at sign-in, per client and per account: a 6-digit code must not be guessable by volume.</summary>
    public ActionLimit SecondFactor { get; set; } = new() { PerIp = 30, PerUser = 10, Window = TimeSpan.FromMinutes(15) };

    /// <summary>Setting up, confirming and turning off factors, and new recovery codes, per client and per account.</summary>
    public ActionLimit MfaSetup { get; set; } = new() { PerIp = 30, PerUser = 15, Window = TimeSpan.FromMinutes(15) };

    /// <summary>Passkey ceremonies (options and answers, sign-in and registration), per client and per account.</summary>
    public ActionLimit Passkey { get; set; } = new() { PerIp = 60, PerUser = 30, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Step-up within a session (a password, a code or a passkey), per client and per account.</summary>
    public ActionLimit Reauthenticate { get; set; } = new() { PerIp = 20, PerUser = 10, Window = TimeSpan.FromMinutes(15) };

    /// <summary>The admin API (<c>/admin</c>), per client: room for a console's paging and searching, not for scraping every account.</summary>
    public ActionLimit Admin { get; set; } = new() { PerIp = 300, PerUser = 300, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Downloading one's own data, per client and per account: a read of every table about the account.</summary>
    public ActionLimit AccountExport { get; set; } = new() { PerIp = 20, PerUser = 5, Window = TimeSpan.FromHours(1) };

    /// <summary>External sign-ins (start and callback) and link requests, per client and per account: each one calls the provider.</summary>
    public ActionLimit ExternalLogin { get; set; } = new() { PerIp = 30, PerUser = 10, Window = TimeSpan.FromMinutes(5) };
}

internal sealed class RateLimitSettingsValidator : IValidateOptions<RateLimitSettings>
{
    public ValidateOptionsResult Validate(string? name, RateLimitSettings options)
    {
        var failures = new List<string>();
        foreach (var (action, limit) in new[]
        {
            ("Login", options.Login), ("Register", options.Register), ("Refresh", options.Refresh), ("Password", options.Password),
            ("EmailVerification", options.EmailVerification), ("PasswordForgot", options.PasswordForgot),
            ("EmailToken", options.EmailToken), ("EmailChange", options.EmailChange),
            ("SecondFactor", options.SecondFactor), ("MfaSetup", options.MfaSetup), ("Passkey", options.Passkey),
            ("Reauthenticate", options.Reauthenticate),
            ("Admin", options.Admin), ("AccountExport", options.AccountExport), ("ExternalLogin", options.ExternalLogin),
        })
        {
            if (limit.PerIp < 1 || limit.PerUser < 1 || limit.Window <= TimeSpan.Zero || limit.Window > TimeSpan.FromDays(1))
            {
                failures.Add($"Gatehouse:RateLimits:{action} is PerIp={limit.PerIp}, PerUser={limit.PerUser}, Window={limit.Window}; use counts of at least 1 and a window up to 1 day, e.g. PerIp=30, PerUser=10, Window=00:01:00.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public enum LimitedAction
{
    Login,
    Register,
    Refresh,
    Password,
    EmailVerification,
    PasswordForgot,
    EmailToken,
    EmailChange,
    SecondFactor,
    MfaSetup,
    Passkey,
    Reauthenticate,
    Admin,
    AccountExport,
    ExternalLogin,
}

/// <summary>Where a fixed window is counted when it is shared by every instance (Redis, see Scaling/).</summary>
public interface ISharedRateLimitCounter
{
    /// <summary>False when nothing shared is configured: each instance counts on its own.</summary>
    bool Enabled { get; }

    /// <summary>
    /// Counts one attempt in the window of <paramref name="key"/>: null when it is within
    /// <paramref name="permits"/>, else how long until the window ends. Throws when the store cannot
    /// answer; the caller then counts on this instance.
    /// </summary>
    ValueTask<TimeSpan?> TakeAsync(LimitedAction action, bool perUser, string key, int permits, TimeSpan window);
}

/// <summary>
/// The per-IP and per-account limiters: fixed windows per key, each starting at its key's first
/// attempt (as in Redis, see Scaling/). The account key is known only once the body is read or the
/// token resolved, after the rate-limiting middleware has run, so handlers ask here.
/// With a shared counter (Redis) every instance counts in one window; while it cannot answer, each
/// instance counts on its own, so limits still hold, per instance, and never fail open.
/// </summary>
public sealed partial class BruteForceLimits : IDisposable
{
    private readonly RateLimitSettings _settings;
    private readonly LocalWindows _local;
    private readonly ILogger<BruteForceLimits> _logger;
    private readonly ISharedRateLimitCounter? _shared;
    private readonly Metrics.GatehouseMetrics? _metrics;
    private int _sharedDown;

    public BruteForceLimits(IOptions<RateLimitSettings> options, TimeProvider time, ILogger<BruteForceLimits> logger, ISharedRateLimitCounter? shared = null, Metrics.GatehouseMetrics? metrics = null)
    {
        _settings = options.Value;
        _metrics = metrics;
        _local = new LocalWindows(time);
        _logger = logger;
        _shared = shared;
    }

    /// <summary>Takes one attempt from the caller's address; null when allowed, else the 429 to send.</summary>
    public ValueTask<ProblemHttpResult?> TryAcquireForClientAsync(LimitedAction action, HttpContext http) =>
        TryAcquireAsync(action, perUser: false, ClientKey(http.Connection.RemoteIpAddress), http);

    /// <summary>
    /// The bucket of a client address. One IPv6 host usually holds a whole /64, so the /64 is the
    /// client; an IPv4 address seen through a dual-stack socket is the IPv4 address.
    /// </summary>
    internal static string ClientKey(System.Net.IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new System.Net.IPAddress(bytes) + "/64";
        }
        return address.ToString();
    }

    /// <summary>Takes one attempt from the account (a normalized username or a user id).</summary>
    public ValueTask<ProblemHttpResult?> TryAcquireForUserAsync(LimitedAction action, string userKey, HttpContext http) =>
        TryAcquireAsync(action, perUser: true, userKey, http);

    private async ValueTask<ProblemHttpResult?> TryAcquireAsync(LimitedAction action, bool perUser, string key, HttpContext http)
    {
        if (!_settings.Enabled)
        {
            return null;
        }
        var retryAfter = _shared is { Enabled: true } shared ? await TakeSharedAsync(shared, action, perUser, key) : TakeLocal(action, perUser, key);
        return retryAfter is { } wait ? Limited(action, perUser, wait, http) : null;
    }

    /// <summary>Counts in the shared window; while that cannot answer, on this instance's own.</summary>
    private async ValueTask<TimeSpan?> TakeSharedAsync(ISharedRateLimitCounter shared, LimitedAction action, bool perUser, string key)
    {
        var limit = Limit(action);
        try
        {
            var wait = await shared.TakeAsync(action, perUser, key, perUser ? limit.PerUser : limit.PerIp, limit.Window);
            if (Interlocked.Exchange(ref _sharedDown, 0) == 1)
            {
                LogSharedBack(_logger);
            }
            return wait;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Counting here only is weaker (N instances allow N times the limit) but never unlimited.
            // One warning per outage, with the error's type only: its message may name the server.
            if (Interlocked.Exchange(ref _sharedDown, 1) == 0)
            {
                LogSharedDown(_logger, exception.GetType().Name);
            }
            return TakeLocal(action, perUser, key);
        }
    }

    private TimeSpan? TakeLocal(LimitedAction action, bool perUser, string key)
    {
        var limit = Limit(action);
        // A sign-in may name an account of up to 16 KiB, and each name is a window kept until it
        // ends: a name longer than any real one is kept as its SHA-256, so a flood of long names
        // costs the table no more than short ones.
        if (key.Length > MaxPlainKeyLength)
        {
            key = HashedKey(key);
        }
        return _local.Take((action, perUser, key), perUser ? limit.PerUser : limit.PerIp, limit.Window);
    }

    private const int MaxPlainKeyLength = 64;

    /// <summary>An account key as SHA-256 hex: unsalted, so every instance agrees on it.</summary>
    internal static string HashedKey(string key) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    private ProblemHttpResult Limited(LimitedAction action, bool perUser, TimeSpan retryAfter, HttpContext http)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        LogLimited(_logger, action, perUser ? "account" : "address", ClientInfo.IpAddress(http));
        _metrics?.RateLimited(action, perUser);
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: $"Too many attempts. Try again in {seconds} seconds.",
            extensions: new Dictionary<string, object?> { ["code"] = "rate_limited", ["retryAfter"] = seconds });
    }

    private ActionLimit Limit(LimitedAction action) => action switch
    {
        LimitedAction.Login => _settings.Login,
        LimitedAction.Register => _settings.Register,
        LimitedAction.Refresh => _settings.Refresh,
        LimitedAction.EmailVerification => _settings.EmailVerification,
        LimitedAction.PasswordForgot => _settings.PasswordForgot,
        LimitedAction.EmailToken => _settings.EmailToken,
        LimitedAction.EmailChange => _settings.EmailChange,
        LimitedAction.SecondFactor => _settings.SecondFactor,
        LimitedAction.MfaSetup => _settings.MfaSetup,
        LimitedAction.Passkey => _settings.Passkey,
        LimitedAction.Reauthenticate => _settings.Reauthenticate,
        LimitedAction.Admin => _settings.Admin,
        LimitedAction.AccountExport => _settings.AccountExport,
        LimitedAction.ExternalLogin => _settings.ExternalLogin,
        _ => _settings.Password,
    };

    public void Dispose() => _local.Dispose();

    [LoggerMessage(LogLevel.Warning, "Shared rate-limit counters are unavailable ({Error}); each instance counts on its own until they answer again")]
    private static partial void LogSharedDown(ILogger logger, string error);

    [LoggerMessage(LogLevel.Information, "Shared rate-limit counters answer again")]
    private static partial void LogSharedBack(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Rate limit hit: {Action} per {Scope}, from {IpAddress}")]
    private static partial void LogLimited(ILogger logger, LimitedAction action, string scope, string? ipAddress);
}

/// <summary>
/// This instance's fixed windows, on the app's clock. System.Threading.RateLimiting's fixed window
/// answers a refusal with the whole window and keeps its own clock; a client told to wait ten minutes
/// when one is left, or a test that cannot move time, is worse off. Each window is an immutable
/// record swapped atomically, so parallel attempts never lose a count; ended windows are swept.
/// </summary>
internal sealed class LocalWindows(TimeProvider time) : IDisposable
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(LimitedAction, bool, string), Window> _windows = new();
    private long _nextSweepTicks;

    private sealed record Window(DateTimeOffset Ends, int Count);

    /// <summary>Counts one attempt: null when within <paramref name="permits"/>, else the time left in the window.</summary>
    public TimeSpan? Take((LimitedAction, bool, string) key, int permits, TimeSpan window)
    {
        var now = time.GetUtcNow();
        SweepIfDue(now);
        var current = _windows.AddOrUpdate(key,
            static (_, state) => new Window(state.now + state.window, 1),
            static (_, existing, state) => existing.Ends <= state.now ? new Window(state.now + state.window, 1) : existing with { Count = existing.Count + 1 },
            (now, window));
        return current.Count <= permits ? null : current.Ends - now;
    }

    // Ended windows would otherwise pile up, one per address or name ever tried.
    private void SweepIfDue(DateTimeOffset now)
    {
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepEvery).UtcTicks, due) != due)
        {
            return;
        }
        foreach (var (key, window) in _windows)
        {
            if (window.Ends <= now)
            {
                _windows.TryRemove(new KeyValuePair<(LimitedAction, bool, string), Window>(key, window));
            }
        }
    }

    public void Dispose() => _windows.Clear();
}

public static class BruteForceLimitsExtensions
{
    public static IServiceCollection AddBruteForceLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitSettings>().BindConfiguration(RateLimitSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitSettings>, RateLimitSettingsValidator>();
        services.AddSingleton<BruteForceLimits>();
        return services;
    }

    /// <summary>Limits an endpoint per client address, before its handler runs.</summary>
    public static RouteHandlerBuilder LimitPerClient(this RouteHandlerBuilder builder, LimitedAction action) =>
        builder.AddEndpointFilter(async (context, next) =>
            (object?)await context.HttpContext.RequestServices.GetRequiredService<BruteForceLimits>().TryAcquireForClientAsync(action, context.HttpContext)
                ?? await next(context))
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
}
