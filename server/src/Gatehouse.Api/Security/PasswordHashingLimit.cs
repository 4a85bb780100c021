using Gatehouse.Api.Hosting;
using System.Threading.RateLimiting;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Security;

/// <summary>
/// Bounds the password hashes computed at once: at most MaxConcurrent run, MaxQueued wait, the rest get
/// 429 problem+json ("busy") with Retry-After. A handler holds a slot for its hash only, not for the
/// whole request: a sign-in's commits wait for the database (SQLite's one writer, an fsync), and a slot
/// held through them kept a core from hashing (docs/performance.md). Per-IP and per-username limits
/// come with the brute-force defences.
/// </summary>
public sealed class PasswordHashingLimit : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public PasswordHashingLimit(IOptions<PasswordHashingOptions> options) =>
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.MaxConcurrent,
            QueueLimit = options.Value.MaxQueued,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });

    /// <summary>
    /// Waits for a hashing slot; null when every slot is taken and the queue is full (answer with
    /// <see cref="Busy"/>). Dispose the slot as soon as the hash is done; disposing twice is harmless.
    /// </summary>
    public async ValueTask<IDisposable?> EnterAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (lease.IsAcquired)
        {
            return new ReleaseOnce(lease.Dispose);
        }
        lease.Dispose();
        return null;
    }

    /// <summary>The answer when no slot is free: nothing was checked, so nothing is counted.</summary>
    public static ProblemHttpResult Busy(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: "The server is busy checking passwords. Try again in a moment.",
            extensions: new Dictionary<string, object?> { ["code"] = "busy" });
    }

    public void Dispose() => _limiter.Dispose();
}

public static class PasswordHashingLimitExtensions
{
    public static IServiceCollection AddPasswordHashingLimit(this IServiceCollection services) =>
        services.AddSingleton<PasswordHashingLimit>();
}
