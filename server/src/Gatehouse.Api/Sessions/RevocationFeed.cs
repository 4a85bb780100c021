using System.Globalization;
using System.Threading.RateLimiting;
using Gatehouse.Api.Hosting;
using Gatehouse.Api.Tokens;
using Microsoft.AspNetCore.RateLimiting;

namespace Gatehouse.Api.Sessions;

/// <summary>
/// One answer of <c>GET /auth/revocations</c>. <paramref name="Cursor"/> is opaque: send it back as
/// <c>after</c>. <paramref name="Complete"/> is false when more revocations wait than one answer
/// holds; ask again with the new cursor. <paramref name="RetainSeconds"/> is how long a listed id
/// matters (the access-token lifetime plus the clock skew): a verifier keeps each id that long.
/// </summary>
public sealed record RevocationsResponse(string Cursor, IReadOnlyList<Guid> Sessions, bool Complete, int RetainSeconds);

/// <summary>Where a cursor points: a second and, when an answer stopped inside it, the last id it listed.</summary>
public readonly record struct FeedPosition(DateTimeOffset At, Guid? After);

/// <summary>A revoked session as the feed reads it.</summary>
public sealed class RevokedSession
{
    public Guid Id { get; init; }
    public DateTimeOffset RevokedAt { get; init; }
}

/// <summary>
/// The revocation feed: the sessions revoked lately, for a verifier that checks access tokens on
/// its own (the web app's pages) and must still refuse a revoked session's unexpired tokens.
/// Only revocations that can matter are listed: one older than the token lifetime plus the skew
/// has no token left that any verifier accepts.
/// </summary>
public static class RevocationFeed
{
    /// <summary>Bounds an answer (about 40 KB of JSON); more are paged by (time, id).</summary>
    public const int MaxSessions = 1000;

    /// <summary>
    /// A revocation is stamped (in whole seconds) before it commits, and instances' clocks differ
    /// a little: a cursor stays this far behind now, so a revocation committed late, or stamped by
    /// a slower clock, is listed on the next call. Clients see each id a few times and dedupe.
    /// </summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromSeconds(10);

    public const string Policy = "revocation-feed";

    /// <summary>How long after its revocation a session's tokens can still be accepted anywhere.</summary>
    public static TimeSpan Window(TokenOptions tokens) =>
        TimeSpan.FromSeconds(Math.Ceiling((tokens.Lifetime + tokens.ClockSkew).TotalSeconds));

    /// <summary>The earliest revocation time an answer at <paramref name="now"/> starts from.</summary>
    public static DateTimeOffset Since(DateTimeOffset? cursor, DateTimeOffset now, TokenOptions tokens)
    {
        // Revoked at R, a token is accepted until before R + window (exp + skew): list R > now - window.
        var since = now - Window(tokens) + TimeSpan.FromSeconds(1);
        if (cursor > since)
        {
            since = cursor.Value;
        }
        // A cursor from an instance whose clock runs ahead must not skip what this one stamps.
        var settled = now - Overlap;
        return since > settled ? settled : since;
    }

    /// <summary>
    /// Where an answer at <paramref name="now"/> resumes: the second to read from and, when the cursor
    /// stopped inside that second, the last id listed (rows are ordered by time, then id). A position
    /// inside a second holds only while that second is settled (older than <see cref="Overlap"/>):
    /// nothing can commit into it any more. Otherwise the whole second is read again.
    /// </summary>
    public static (DateTimeOffset Since, Guid? After) Resume(FeedPosition? cursor, DateTimeOffset now, TokenOptions tokens)
    {
        var since = Since(cursor?.At, now, tokens);
        var after = cursor is { After: { } id } position && position.At == since && since < now - Overlap ? id : (Guid?)null;
        return (since, after);
    }

    /// <summary>
    /// The answer from up to <see cref="MaxSessions"/> + 1 rows from the resume point, ordered by
    /// revocation time, then id. A page that fills up inside settled seconds stops after its last row
    /// and the cursor names that row, so however many sessions end in one second, every answer moves
    /// on. One that reaches into the last <see cref="Overlap"/> resumes at the first unsettled second
    /// (where a late commit may yet land): only a burst of more than a page within those few seconds
    /// holds the feed incomplete, until they settle.
    /// </summary>
    public static RevocationsResponse Answer(IReadOnlyList<RevokedSession> rows, DateTimeOffset since, DateTimeOffset now, TokenOptions tokens)
    {
        var retain = (int)Window(tokens).TotalSeconds;
        // Everything stamped before this has committed (see Overlap) and so is in the rows.
        var settled = now - Overlap;
        if (rows.Count <= MaxSessions)
        {
            return new RevocationsResponse(FormatCursor(settled), rows.Select(r => r.Id).ToList(), Complete: true, retain);
        }
        // Over the cap: list a page. Resuming at settled lists the last seconds again next time; clients dedupe.
        var page = rows.Take(MaxSessions).ToList();
        var last = page[^1];
        // (since is never past settled, see Since, so resuming at settled never goes back.)
        var next = last.RevokedAt < settled ? FormatCursor(last.RevokedAt, last.Id) : FormatCursor(settled);
        return new RevocationsResponse(next, page.Select(r => r.Id).ToList(), Complete: false, retain);
    }

    private static readonly long MaxCursorSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>A cursor is a Unix time in seconds, as digits; clients treat it as opaque.</summary>
    public static bool TryParseCursor(string value, out DateTimeOffset cursor)
    {
        cursor = default;
        if (value.Length is 0 or > 12 || !value.All(char.IsAsciiDigit))
        {
            return false;
        }
        // Twelve digits reach past the year 9999, which no cursor we gave out (nor DateTimeOffset) holds.
        var seconds = long.Parse(value, CultureInfo.InvariantCulture);
        if (seconds > MaxCursorSeconds)
        {
            return false;
        }
        cursor = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    /// <summary>
    /// A cursor as sent back: <c>seconds</c>, or <c>seconds.id</c> (32 hex digits) when the last answer
    /// stopped inside that second.
    /// </summary>
    public static bool TryParsePosition(string value, out FeedPosition position)
    {
        position = default;
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        Guid? after = null;
        if (dot >= 0)
        {
            if (!Guid.TryParseExact(value.AsSpan(dot + 1), "N", out var id))
            {
                return false;
            }
            after = id;
        }
        if (!TryParseCursor(dot >= 0 ? value[..dot] : value, out var at))
        {
            return false;
        }
        position = new FeedPosition(at, after);
        return true;
    }

    public static string FormatCursor(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    public static string FormatCursor(DateTimeOffset at, Guid after) => FormatCursor(at) + "." + after.ToString("N");

    /// <summary>
    /// The feed is anonymous (the web server that polls it holds no credential), so it is kept cheap
    /// and bounded: one indexed range read of at most MaxSessions + 1 rows, and at most two at a time
    /// with a short queue; a flood gets 429 rather than the database. A poller refused is no worse off
    /// than one that cannot reach the API: it falls back to asking the API per page.
    /// </summary>
    public static IServiceCollection AddRevocationFeedLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Policy, new FeedLimitPolicy());
        });
        return services;
    }

    private sealed class FeedLimitPolicy : IRateLimiterPolicy<string>
    {
        private static readonly ConcurrencyLimiterOptions Limits = new()
        {
            PermitLimit = 2,
            QueueLimit = 32,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        };

        // One partition: the bound is on the database's work, whoever asks.
        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            RateLimitPartition.GetConcurrencyLimiter(Policy, _ => Limits);

        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, _) =>
        {
            context.HttpContext.Response.Headers.RetryAfter = "1";
            context.HttpContext.RequestServices.GetRequiredService<Metrics.GatehouseMetrics>().RateLimited(Policy);
            await context.HttpContext.WriteProblemAsync(StatusCodes.Status429TooManyRequests,
                "Too many requests", "The revocation feed is busy. Try again in a moment.", code: "busy");
        };
    }
}
