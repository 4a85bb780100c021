using Gatehouse.Api.Hosting;
using System.Threading.RateLimiting;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Security;

/// <summary>
/// Bounds the endpoints that hash passwords (ASP.NET Core's rate limiter, as a concurrency limit):
/// at most MaxConcurrent hashes run, MaxQueued wait, the rest get 429 problem+json with Retry-After.
/// Per-IP and per-username limits come with the brute-force defences.
/// </summary>
public static class PasswordHashingLimit
{
    public const string Policy = "password-hashing";

    public static IServiceCollection AddPasswordHashingLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, _) =>
            {
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = "1";
                await http.WriteProblemAsync(StatusCodes.Status429TooManyRequests,
                    "Too many requests", "The server is busy checking passwords. Try again in a moment.", code: "busy");
            };
        });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<PasswordHashingOptions>>((options, hashing) =>
            options.AddConcurrencyLimiter(Policy, limiter =>
            {
                limiter.PermitLimit = hashing.Value.MaxConcurrent;
                limiter.QueueLimit = hashing.Value.MaxQueued;
                limiter.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            }));
        return services;
    }
}
