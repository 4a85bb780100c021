namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// Whether two kinds of request take the same time: each timed alone, interleaved and alternating
/// which goes first, so drift in the machine's load hits both alike; compared by their medians.
/// </summary>
public static class PairedTiming
{
    /// <summary>
    /// Times <paramref name="pairs"/> pairs and compares the medians; when they differ by more than
    /// <paramref name="tolerance"/>, times as many again, up to <paramref name="maxRounds"/> rounds, and
    /// compares the medians of every sample so far. A neighbour's burst on a shared machine then washes
    /// out, while a real difference (the leak the tests look for) stays in every pooled median.
    /// Returns the last comparison.
    /// </summary>
    public static async Task<(double Ratio, double MedianA, double MedianB)> CompareAsync(
        Func<Task<double>> a, Func<Task<double>> b, int pairs, double tolerance = 0.10, int maxRounds = 3)
    {
        var timesA = new List<double>();
        var timesB = new List<double>();
        (double Ratio, double MedianA, double MedianB) result = default;
        for (var round = 0; round < maxRounds; round++)
        {
            for (var i = 0; i < pairs; i++)
            {
                if (i % 2 == 0)
                {
                    timesA.Add(await a());
                    timesB.Add(await b());
                }
                else
                {
                    timesB.Add(await b());
                    timesA.Add(await a());
                }
            }
            var (medianA, medianB) = (Median(timesA), Median(timesB));
            result = (medianA / medianB, medianA, medianB);
            if (Math.Abs(result.Ratio - 1) <= tolerance)
            {
                break;
            }
        }
        return result;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
