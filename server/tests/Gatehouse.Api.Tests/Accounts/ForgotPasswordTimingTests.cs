using System.Diagnostics;
using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Security;

namespace Gatehouse.Api.Tests.Accounts;

/// <summary>
/// Forgot-password must not tell who is registered by its timing. Measured as the sign-in timing test
/// is (SignInTimingTests), and in its collection, so no other test hashes on the same cores meanwhile.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class ForgotPasswordTimingTests
{
    private const int Attempts = 60;

    [Fact]
    public async Task An_existing_account_and_an_unknown_name_take_the_same_time_within_ten_percent()
    {
        // The mails really go out, so the background work they cause falls inside the measurement too.
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var client = factory.CreateClient();
        var (username, email) = await factory.RegisterWithEmailAsync();
        // Warm both paths past tiered JIT's recompilation (30 calls), EF query compilation and the
        // connection pool, so that none of it lands inside the measurement.
        for (var i = 0; i < 40; i++)
        {
            await client.ForgotAsync("nobody-warmup");
            await client.ForgotAsync(username);
        }
        await sink.WaitForAsync(email, RecoveryApi.IsResetLink);

        var unknown = new List<double>();
        var existing = new List<double>();
        for (var i = 0; i < Attempts; i++)
        {
            // Interleaved, and alternating which goes first, so drift in machine load hits both alike.
            if (i % 2 == 0)
            {
                unknown.Add(await TimeAsync(() => client.ForgotAsync($"nobody-{i}")));
                existing.Add(await TimeAsync(() => client.ForgotAsync(username)));
            }
            else
            {
                existing.Add(await TimeAsync(() => client.ForgotAsync(username)));
                unknown.Add(await TimeAsync(() => client.ForgotAsync($"nobody-{i}")));
            }
        }

        // The request does the same steps for both (the lookup and the mail come after the answer).
        var ratio = Median(unknown) / Median(existing);
        Assert.True(Math.Abs(ratio - 1) <= 0.10,
            $"median unknown {Median(unknown):F3} ms vs existing {Median(existing):F3} ms (ratio {ratio:F3})");
        // And the existing account did get its mails: the answer was not the same because nothing happened.
        Assert.True(sink.To(email).Count(RecoveryApi.IsResetLink) > 1);
    }

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> call)
    {
        var watch = Stopwatch.StartNew();
        using var response = await call();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return elapsed;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
