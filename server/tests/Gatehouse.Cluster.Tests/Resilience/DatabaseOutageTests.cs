using System.Diagnostics;
using System.Net;
using Gatehouse.Cluster.Tests.Infrastructure;

namespace Gatehouse.Cluster.Tests.Resilience;

/// <summary>
/// PostgreSQL goes away for a while: what needs it says "try again" (503), not "signed out" or
/// "server error"; what each instance remembers (the session, the user's profile) keeps answering;
/// and once it is back they serve as before, without being restarted.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DatabaseOutageTests(GatehouseCluster cluster)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Stopping_PostgreSQL_for_five_seconds_gives_503s_then_full_recovery_without_a_restart()
    {
        using var browser = cluster.NewBrowser();
        await browser.SignUpAndLogInAsync(cluster.ViaNginx);
        Uri[] targets = [cluster.A.BaseUri, cluster.B.BaseUri, cluster.ViaNginx];
        foreach (var target in targets)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.MeAsync(target)).Status);
        }

        var answers = new List<string>();
        await TestServices.PgCtlAsync("stop", "-m", "fast", "-w");
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Outage)
            {
                foreach (var target in targets)
                {
                    // Checked just before the outage, so the session and the profile are in memory.
                    var me = await browser.GetAsync(target, "/auth/me");
                    Assert.True(me.StatusCode == HttpStatusCode.OK, $"during the outage: {await Browser.Describe(me)}");
                    // The session list is read from the database every time.
                    var sessions = await browser.GetAsync(target, "/auth/sessions");
                    answers.Add(await Browser.Describe(sessions));
                    Assert.True(sessions.StatusCode == HttpStatusCode.ServiceUnavailable, $"during the outage: {answers[^1]}");
                    Assert.True(sessions.Headers.RetryAfter is not null, "a 503 says when to try again");
                    // A new name each time, so that no per-account limit answers before the database is asked.
                    using var signingIn = cluster.NewBrowser();
                    var login = await signingIn.LogInAsAsync(target, $"someone_{Guid.NewGuid():N}", Browser.Password);
                    Assert.True(login.StatusCode == HttpStatusCode.ServiceUnavailable, $"during the outage: {await Browser.Describe(login)}");
                }
                foreach (var instance in new[] { cluster.A, cluster.B })
                {
                    var ready = await browser.GetAsync(instance.BaseUri, "/health/ready");
                    Assert.True(ready.StatusCode == HttpStatusCode.ServiceUnavailable, $"during the outage: {await Browser.Describe(ready)}");
                }
                await Task.Delay(250);
            }
        }
        finally
        {
            await TestServices.PgCtlAsync("start", "-w");
        }

        // Back: both instances, the same processes, report ready again soon.
        var recovery = Stopwatch.StartNew();
        foreach (var instance in new[] { cluster.A, cluster.B })
        {
            while ((await browser.GetAsync(instance.BaseUri, "/health/ready")).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(recovery.Elapsed < TimeSpan.FromSeconds(15), $"instance {instance.Name} was not ready 15 s after PostgreSQL came back:\n{instance.Output[^Math.Min(4000, instance.Output.Length)..]}");
                await Task.Delay(100);
            }
        }
        Assert.True(cluster.A.IsRunning && cluster.B.IsRunning);
        // Full recovery: the session from before the outage still works everywhere, and nothing fails
        // any more (no dead pooled connection is left to fail a later request).
        for (var round = 0; round < 10; round++)
        {
            foreach (var target in targets)
            {
                var me = await browser.GetAsync(target, "/auth/me");
                Assert.True(me.StatusCode == HttpStatusCode.OK, $"round {round} after recovery: {await Browser.Describe(me)}");
            }
        }
        var refresh = await browser.PostAsync(cluster.ViaNginx, "/auth/refresh");
        Assert.True(refresh.StatusCode == HttpStatusCode.OK, await Browser.Describe(refresh));
        using var again = cluster.NewBrowser();
        await again.SignUpAndLogInAsync(cluster.ViaNginx);
        Assert.Equal((HttpStatusCode.OK, again.Username), await again.MeAsync(cluster.A.BaseUri));
        Assert.Equal((HttpStatusCode.OK, again.Username), await again.MeAsync(cluster.B.BaseUri));
    }
}
