using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gatehouse.Cluster.Tests.Infrastructure;

namespace Gatehouse.Cluster.Tests.Tokens;

/// <summary>
/// Rotating the signing key is an operator's command, run while both instances serve traffic: the
/// new key is published by every instance before it signs, so none ever meets a token it cannot check.
/// </summary>
/// <remarks>
/// The cluster activates a rotated-in key 10 s after it is added (15 min by default), so the whole
/// rotation happens under traffic: published everywhere, then signing everywhere, while tokens
/// signed by the old key keep working.
/// </remarks>
[Collection(ClusterCollection.Name)]
public sealed class KeyRotationTests(GatehouseCluster cluster)
{
    [Fact]
    public async Task Rotating_the_signing_key_under_traffic_fails_no_request_and_both_instances_publish_the_new_key_before_it_signs_with_it()
    {
        var browsers = new List<Browser>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var browser = cluster.NewBrowser();
                browsers.Add(browser);
                await browser.SignUpAndLogInAsync(i % 2 == 0 ? cluster.A.BaseUri : cluster.B.BaseUri);
            }
            var oldKey = Jwt.KeyId(browsers[0].AccessToken!);
            Assert.Equal(oldKey, Jwt.KeyId(browsers[1].AccessToken!));
            Uri[] targets = [cluster.A.BaseUri, cluster.B.BaseUri, cluster.ViaNginx];
            // Each browser reads its account on A, B and nginx in turn and renews its tokens now and
            // then, so fresh tokens from both instances travel to both throughout.
            var traffic = Traffic.Start(browsers, (browser, i) => i % 10 == 9
                ? browser.PostAsync(targets[i / 10 % 3], "/auth/refresh")
                : browser.GetAsync(targets[i % 3], "/auth/me"));

            await Task.Delay(500);
            var rotatedAt = Stopwatch.StartNew();
            await using var rotate = await cluster.RunCommandAsync("--rotate-signing-key");
            Assert.True(rotate.ExitCode == 0, $"--rotate-signing-key exited with {rotate.ExitCode}:\n{rotate.Output}");

            // Both instances, and nginx whichever answers, publish the new key beside the old one.
            var published = new Dictionary<Uri, string[]>();
            foreach (var target in targets)
            {
                while (true)
                {
                    var kids = await KeyIdsAsync(browsers[0], target);
                    if (kids.Length > 1)
                    {
                        published[target] = kids;
                        break;
                    }
                    Assert.True(rotatedAt.Elapsed < TimeSpan.FromSeconds(5), $"{target} still publishes only [{string.Join(", ", kids)}] {rotatedAt.Elapsed.TotalSeconds:F0} s after the rotation");
                    await Task.Delay(100);
                }
            }
            var newKeys = published.Values.Select(kids => Assert.Single(kids, kid => kid != oldKey)).Distinct().ToList();
            var newKey = Assert.Single(newKeys);
            Assert.All(published.Values, kids => Assert.Contains(oldKey, kids));

            // Published is not signing: until every verifier can know the new key, the old one signs on both.
            Assert.True(rotatedAt.Elapsed < GatehouseCluster.KeyActivationDelay - TimeSpan.FromSeconds(2), "publishing took too long to check the order");
            Assert.Equal([oldKey, oldKey], await KeyIdsSignedByAsync(cluster.A.BaseUri, cluster.B.BaseUri));

            // Then the new key signs on both, and the traffic's tokens from the old key still pass.
            while (rotatedAt.Elapsed < GatehouseCluster.KeyActivationDelay + TimeSpan.FromSeconds(2))
            {
                await Task.Delay(200);
            }
            Assert.Equal([newKey, newKey], await KeyIdsSignedByAsync(cluster.A.BaseUri, cluster.B.BaseUri));
            await Task.Delay(1000);
            await traffic.StopAsync();

            Assert.True(traffic.Failures.Count == 0, $"{traffic.Failures.Count} of {traffic.Requests} requests failed during the rotation:\n{string.Join('\n', traffic.Failures.Take(20))}");
            Assert.True(traffic.Requests > 100, $"only {traffic.Requests} requests were made during the rotation");
        }
        finally
        {
            browsers.ForEach(b => b.Dispose());
        }
    }

    /// <summary>The kid of a fresh sign-in's access token on each instance.</summary>
    private async Task<string[]> KeyIdsSignedByAsync(params Uri[] instances)
    {
        var kids = new List<string>();
        foreach (var instance in instances)
        {
            using var probe = cluster.NewBrowser();
            await probe.SignUpAndLogInAsync(instance, "rotation");
            kids.Add(Jwt.KeyId(probe.AccessToken!));
        }
        return kids.ToArray();
    }

    private static async Task<string[]> KeyIdsAsync(Browser browser, Uri server)
    {
        var response = await browser.GetAsync(server, "/.well-known/jwks.json");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await Browser.Describe(response));
        using var jwks = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToArray();
    }
}
