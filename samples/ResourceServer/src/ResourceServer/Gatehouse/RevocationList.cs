using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace ResourceServer.Gatehouse;

/// <summary>
/// The sessions Gatehouse has revoked lately, kept by polling its feed, <c>GET /auth/revocations?after=</c>
/// (Sessions/RevocationFeed.cs there; the web app's lib/auth/revocations.ts is the same client).
/// A signed token stays valid until it expires; this list is what refuses it sooner, once its
/// session was logged out or revoked. Each id is kept for the feed's <c>retainSeconds</c>, after
/// which no token of that session is accepted anywhere. Tokens are trusted only while the list is
/// fresh: a feed that cannot be read makes every token fail (503), never pass.
/// </summary>
public sealed partial class RevocationList(
    IHttpClientFactory clients, IOptions<GatehouseOptions> options, TimeProvider time, ILogger<RevocationList> logger) : BackgroundService
{
    public const string HttpClientName = "gatehouse";

    /// <summary>One answer of the feed. The cursor is opaque: it is sent back as <c>after</c>.</summary>
    private sealed record Answer(string? Cursor, List<string>? Sessions, bool Complete, int RetainSeconds);

    private enum Poll { Complete, More, Failed }

    // Session id (lower case) → when it may be forgotten.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _revoked = new(StringComparer.Ordinal);
    private string? _cursor;
    private long _completeAtTicks; // 0 until the first complete answer; written by the poller only
    private bool _lastFailed;

    /// <summary>True while the last poll brought a complete answer, less than StaleAfter ago.</summary>
    public bool IsFresh
    {
        get
        {
            var completeAt = Interlocked.Read(ref _completeAtTicks);
            return !Volatile.Read(ref _lastFailed) && completeAt != 0
                && time.GetUtcNow().UtcTicks - completeAt < options.Value.StaleAfter.Ticks;
        }
    }

    public bool IsRevoked(string sessionId) =>
        _revoked.TryGetValue(sessionId.ToLowerInvariant(), out var forgetAt) && forgetAt > time.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var result = await PollOnceAsync(stoppingToken);
            // More than one answer holds: fetch the rest at once; otherwise wait for the next poll.
            if (result != Poll.More)
            {
                try
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<Poll> PollOnceAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var url = new Uri(settings.Authority!, _cursor is null ? "/auth/revocations" : $"/auth/revocations?after={Uri.EscapeDataString(_cursor)}");
        Answer? answer;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await clients.CreateClient(HttpClientName).GetAsync(url, timeout.Token);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                // The cursor means nothing to this Gatehouse (another deployment): read the whole window again.
                _cursor = null;
                return Failed("the feed refused the cursor");
            }
            if (!response.IsSuccessStatusCode)
            {
                return Failed($"it answered {(int)response.StatusCode}");
            }
            answer = await response.Content.ReadFromJsonAsync<Answer>(timeout.Token);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException && !stoppingToken.IsCancellationRequested)
        {
            return Failed(exception.GetType().Name);
        }
        if (answer is not { Cursor.Length: > 0, Sessions: not null, RetainSeconds: > 0 })
        {
            return Failed("the answer is not a feed answer");
        }

        var now = time.GetUtcNow();
        foreach (var (id, forgetAt) in _revoked)
        {
            if (forgetAt <= now) _revoked.TryRemove(id, out _);
        }
        var keepUntil = now.AddSeconds(answer.RetainSeconds);
        foreach (var id in answer.Sessions)
        {
            _revoked.TryAdd(id.ToLowerInvariant(), keepUntil); // a revocation is final: a later sighting does not extend it
        }
        var moved = answer.Cursor != _cursor;
        _cursor = answer.Cursor;
        Volatile.Write(ref _lastFailed, false);
        if (answer.Complete)
        {
            Interlocked.Exchange(ref _completeAtTicks, now.UtcTicks);
            return Poll.Complete;
        }
        // Not everything is here yet: not fresh until it is. A cursor that did not move cannot
        // catch up by asking again at once; the next poll tries again.
        Interlocked.Exchange(ref _completeAtTicks, 0);
        return moved ? Poll.More : Poll.Failed;
    }

    private Poll Failed(string reason)
    {
        if (!Volatile.Read(ref _lastFailed))
        {
            LogFeedUnreadable(logger, reason);
        }
        Volatile.Write(ref _lastFailed, true);
        return Poll.Failed;
    }

    [LoggerMessage(LogLevel.Warning, "The Gatehouse revocation feed cannot be read ({Reason}); tokens are refused until it can.")]
    private static partial void LogFeedUnreadable(ILogger logger, string reason);
}
