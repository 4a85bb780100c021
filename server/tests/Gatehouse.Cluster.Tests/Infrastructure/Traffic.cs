using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gatehouse.Cluster.Tests.Infrastructure;

/// <summary>
/// Signed-in browsers that keep making requests, one after another each, until stopped; every
/// answer that is not a success, and every request that did not get an answer, is remembered.
/// </summary>
public sealed class Traffic
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<(TimeSpan At, string Upstream)> _upstreams = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task[] _loops;
    private int _requests;

    private Traffic(IReadOnlyList<Browser> browsers, Func<Browser, int, Task<HttpResponseMessage>> request)
    {
        _loops = browsers.Select(browser => Task.Run(() => LoopAsync(browser, request))).ToArray();
    }

    /// <summary>Starts one loop per browser; <paramref name="request"/> gets the browser and its request number.</summary>
    public static Traffic Start(IReadOnlyList<Browser> browsers, Func<Browser, int, Task<HttpResponseMessage>> request) => new(browsers, request);

    public int Requests => _requests;

    public IReadOnlyCollection<string> Failures => _failures;

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>The instances nginx sent requests to from <paramref name="since"/> on.</summary>
    public IReadOnlySet<string> UpstreamsSince(TimeSpan since) =>
        _upstreams.Where(u => u.At >= since).Select(u => u.Upstream).ToHashSet();

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
    }

    private async Task LoopAsync(Browser browser, Func<Browser, int, Task<HttpResponseMessage>> request)
    {
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var at = _clock.Elapsed;
            try
            {
                using var response = await request(browser, i);
                Interlocked.Increment(ref _requests);
                if (Nginx.AnsweredBy(response) is { } upstream)
                {
                    _upstreams.Enqueue((at, upstream));
                }
                if (!response.IsSuccessStatusCode)
                {
                    _failures.Enqueue($"at {at.TotalMilliseconds:F0} ms: {await Browser.Describe(response)}");
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _requests);
                _failures.Enqueue($"at {at.TotalMilliseconds:F0} ms: no answer: {exception.Message}");
            }
            // A short pause: enough traffic to be mid-request at any moment, without starving the 2 cores.
            await Task.Delay(5);
        }
    }
}
