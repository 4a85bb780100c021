using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Gatehouse.Api.Audit;
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
    private const int Attempts = 100;

    [Fact]
    public async Task An_existing_account_and_an_unknown_name_take_the_same_time_within_ten_percent()
    {
        // The mails really go out: the account's requests do all of their work.
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
        var warmed = DateTime.UtcNow.AddSeconds(30);
        while (await AuditedAsync(factory) < 80 || sink.To(email).Count < 40)
        {
            Assert.True(DateTime.UtcNow < warmed, "the warm-up's background work did not finish");
            await Task.Delay(10);
        }

        // The request does the same steps for both (the lookup and the mail come after the answer).
        var attempt = 0;
        var (ratio, unknown, existing) = await PairedTiming.CompareAsync(
            () => TimeAsync(() => client.ForgotAsync($"nobody-{attempt++}"), factory, sink, null),
            () => TimeAsync(() => client.ForgotAsync(username), factory, sink, email),
            Attempts);
        Assert.True(Math.Abs(ratio - 1) <= 0.10, $"median unknown {unknown:F3} ms vs existing {existing:F3} ms (ratio {ratio:F3})");
    }

    /// <summary>
    /// Times one request, then waits, off the clock, until the work it left for after its answer is
    /// done: its audit row written and, for the account, its mail delivered. The existing account's
    /// mail (a commit, an SMTP exchange) would otherwise fall on whichever answers came next, which
    /// is noise to this test, not the timing of the answer itself; each answer is timed alone, as
    /// each sign-in is in the sign-in test.
    /// </summary>
    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> call, GatehouseFactory factory, SmtpSink sink, string? mailTo)
    {
        var audited = await AuditedAsync(factory);
        var mails = mailTo is null ? 0 : sink.To(mailTo).Count;
        var watch = Stopwatch.StartNew();
        using var response = await call();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await AuditedAsync(factory) == audited || (mailTo is not null && sink.To(mailTo).Count == mails))
        {
            Assert.True(DateTime.UtcNow < deadline, "the request's background work did not finish");
            await Task.Delay(1);
        }
        return elapsed;
    }

    private static Task<int> AuditedAsync(GatehouseFactory factory) =>
        factory.QueryAsync(db => db.AuditEvents.CountAsync(e => e.Event == AuditEvents.PasswordResetRequested));
}
