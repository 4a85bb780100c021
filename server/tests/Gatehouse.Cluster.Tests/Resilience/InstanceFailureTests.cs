using System.Net;
using System.Text.Json;
using Gatehouse.Cluster.Tests.Infrastructure;

namespace Gatehouse.Cluster.Tests.Resilience;

/// <summary>An instance dies; the other carries on, and everything users had is still there.</summary>
[Collection(ClusterCollection.Name)]
public sealed class InstanceFailureTests(GatehouseCluster cluster)
{
    [Fact]
    public async Task Killing_A_under_load_loses_no_request_through_nginx_and_no_user_or_session()
    {
        var browsers = new List<Browser>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var browser = cluster.NewBrowser();
                browsers.Add(browser);
                await browser.SignUpAndLogInAsync(cluster.ViaNginx);
            }
            // Reads only: nginx passes a request that broke on A to B only if repeating it is safe,
            // and it never repeats a POST that reached A (a sign-in or a refresh in flight dies with A).
            var traffic = Traffic.Start(browsers, (browser, i) => browser.GetAsync(cluster.ViaNginx, i % 2 == 0 ? "/auth/me" : "/auth/sessions"));
            await Task.Delay(1000);

            await cluster.A.KillAsync();
            // Taken once A has exited: a request begun before then may rightly have been A's.
            var killedAt = traffic.Elapsed;
            await Task.Delay(3000);
            await traffic.StopAsync();

            Assert.False(cluster.A.IsRunning);
            Assert.True(traffic.Failures.Count == 0, $"{traffic.Failures.Count} of {traffic.Requests} requests through nginx failed after A was killed:\n{string.Join('\n', traffic.Failures.Take(20))}");
            Assert.Equal(new HashSet<string> { cluster.B.Upstream }, traffic.UpstreamsSince(killedAt));

            // Every user and every session is still there, served by B.
            foreach (var browser in browsers)
            {
                Assert.Equal((HttpStatusCode.OK, browser.Username), await browser.MeAsync(cluster.ViaNginx));
                var sessions = await browser.GetAsync(cluster.ViaNginx, "/auth/sessions");
                var list = JsonDocument.Parse(await sessions.Content.ReadAsStringAsync()).RootElement.GetProperty("sessions");
                Assert.Equal(1, list.GetArrayLength());
                var refresh = await browser.PostAsync(cluster.ViaNginx, "/auth/refresh");
                Assert.True(refresh.StatusCode == HttpStatusCode.OK, await Browser.Describe(refresh));
                using var again = cluster.NewBrowser();
                var login = await again.LogInAsAsync(cluster.ViaNginx, browser.Username!, Browser.Password);
                Assert.True(login.StatusCode == HttpStatusCode.OK, await Browser.Describe(login));
            }
        }
        finally
        {
            browsers.ForEach(b => b.Dispose());
            if (!cluster.A.IsRunning)
            {
                await cluster.A.StartAsync();
                await cluster.WaitUntilBalancedAsync();
            }
        }
    }
}
