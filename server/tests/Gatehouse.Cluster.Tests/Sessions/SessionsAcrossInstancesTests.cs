using System.Diagnostics;
using System.Net;
using Gatehouse.Cluster.Tests.Infrastructure;

namespace Gatehouse.Cluster.Tests.Sessions;

/// <summary>A session is the cluster's, not one instance's: made on one, honoured and ended on every other.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SessionsAcrossInstancesTests(GatehouseCluster cluster)
{
    /// <summary>How soon every instance must refuse a session that was ended on another (issue 5).</summary>
    private static readonly TimeSpan RevocationDeadline = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_session_made_on_A_is_honoured_on_B()
    {
        using var browser = cluster.NewBrowser();
        await browser.SignUpAndLogInAsync(cluster.A.BaseUri);

        Assert.Equal((HttpStatusCode.OK, browser.Username), await browser.MeAsync(cluster.B.BaseUri));
    }

    [Fact]
    public async Task A_session_made_through_nginx_is_honoured_by_both_instances_and_by_nginx_on_either()
    {
        using var browser = cluster.NewBrowser();
        await browser.SignUpAndLogInAsync(cluster.ViaNginx);

        Assert.Equal((HttpStatusCode.OK, browser.Username), await browser.MeAsync(cluster.A.BaseUri));
        Assert.Equal((HttpStatusCode.OK, browser.Username), await browser.MeAsync(cluster.B.BaseUri));
        var upstreams = new HashSet<string>();
        for (var i = 0; i < 4; i++)
        {
            var response = await browser.GetAsync(cluster.ViaNginx, "/auth/me");
            Assert.True(response.StatusCode == HttpStatusCode.OK, await Browser.Describe(response));
            upstreams.Add(Nginx.AnsweredBy(response)!);
        }
        Assert.Equal(new HashSet<string> { cluster.A.Upstream, cluster.B.Upstream }, upstreams);
    }

    [Fact]
    public async Task Logging_out_on_B_is_refused_on_A_within_one_second()
    {
        using var browser = cluster.NewBrowser();
        await browser.SignUpAndLogInAsync(cluster.A.BaseUri);
        // A has now checked the session, and may remember that it was live.
        Assert.Equal(HttpStatusCode.OK, (await browser.MeAsync(cluster.A.BaseUri)).Status);
        // The same cookies, kept after the logout: a second tab, or someone who copied them.
        using var copy = browser.CopyCookies();

        var logout = await browser.PostAsync(cluster.B.BaseUri, "/auth/logout");
        Assert.True(logout.StatusCode == HttpStatusCode.NoContent, await Browser.Describe(logout));

        await AssertRefusedWithinDeadlineAsync(copy, cluster.A);
    }

    [Fact]
    public async Task Logging_out_through_nginx_is_refused_by_both_instances_within_one_second()
    {
        using var browser = cluster.NewBrowser();
        await browser.SignUpAndLogInAsync(cluster.ViaNginx);
        Assert.Equal(HttpStatusCode.OK, (await browser.MeAsync(cluster.A.BaseUri)).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.MeAsync(cluster.B.BaseUri)).Status);
        using var copy = browser.CopyCookies();

        var logout = await browser.PostAsync(cluster.ViaNginx, "/auth/logout");
        Assert.True(logout.StatusCode == HttpStatusCode.NoContent, await Browser.Describe(logout));

        await Task.WhenAll(AssertRefusedWithinDeadlineAsync(copy, cluster.A), AssertRefusedWithinDeadlineAsync(copy, cluster.B));
    }

    [Fact]
    public async Task Twenty_parallel_refreshes_split_across_A_and_B_leave_one_live_successor_and_no_logout()
    {
        using var browser = cluster.NewBrowser();
        await browser.SignUpAndLogInAsync(cluster.A.BaseUri);
        var original = browser.RefreshToken;
        // Twenty tabs wake up at once with the same expired access token and the same refresh token.
        var tabs = Enumerable.Range(0, 20).Select(_ => browser.CopyCookies()).ToList();

        var responses = await Task.WhenAll(tabs.Select((tab, i) =>
            tab.PostAsync(i % 2 == 0 ? cluster.A.BaseUri : cluster.B.BaseUri, "/auth/refresh")));

        foreach (var response in responses)
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, await Browser.Describe(response));
        }
        var successors = tabs.Select(tab => tab.RefreshToken).Distinct().ToList();
        Assert.Single(successors);
        Assert.NotEqual(original, successors[0]);
        // No logout: every tab's new access token works on both instances, and the one successor
        // rotates again.
        foreach (var (tab, i) in tabs.Select((tab, i) => (tab, i)))
        {
            Assert.Equal(HttpStatusCode.OK, (await tab.MeAsync(i % 2 == 0 ? cluster.B.BaseUri : cluster.A.BaseUri)).Status);
        }
        var next = await tabs[0].PostAsync(cluster.ViaNginx, "/auth/refresh");
        Assert.True(next.StatusCode == HttpStatusCode.OK, await Browser.Describe(next));
        Assert.Equal(HttpStatusCode.OK, (await tabs[0].MeAsync(cluster.ViaNginx)).Status);
    }

    /// <summary>Polls every 50 ms: the instance must answer 401 to the session's cookies within the deadline.</summary>
    private static async Task AssertRefusedWithinDeadlineAsync(Browser browser, ApiInstance instance)
    {
        var clock = Stopwatch.StartNew();
        var last = HttpStatusCode.OK;
        while (clock.Elapsed <= RevocationDeadline)
        {
            last = (await browser.MeAsync(instance.BaseUri)).Status;
            if (last == HttpStatusCode.Unauthorized)
            {
                return;
            }
            Assert.True(last == HttpStatusCode.OK, $"instance {instance.Name} answered {(int)last} to an ended session; expected 200 until it learns, then 401");
            await Task.Delay(50);
        }
        Assert.Fail($"instance {instance.Name} still accepted the ended session {clock.ElapsedMilliseconds} ms after the logout (last answer {(int)last}); the deadline is {RevocationDeadline.TotalMilliseconds} ms");
    }
}
