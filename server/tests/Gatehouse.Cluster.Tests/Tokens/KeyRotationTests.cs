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
/// The new key starts signing Gatehouse:Tokens:KeyActivationDelay later, at least the JWKS's
/// 5-minute cache plus one refresh: longer than this suite may take. That switch, across two
/// instances on one database, is tested with a fake clock in Gatehouse.Api.Tests (Tokens/KeyRotationTests).
/// </remarks>
[Collection(ClusterCollection.Name)]
public sealed class KeyRotationTests(GatehouseCluster cluster)
{
    [Fact]
    public async Task Rotating_the_signing_key_under_traffic_fails_no_request_and_both_instances_publish_the_new_key_before_it_signs()
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
            await using var rotate = await cluster.RunCommandAsync("--rotate-signing-key");
            Assert.True(rotate.ExitCode == 0, $"--rotate-signing-key exited with {rotate.ExitCode}:\n{rotate.Output}");

            // Both instances, and nginx whichever answers, publish the new key beside the old one.
            var published = new Dictionary<Uri, string[]>();
            var clock = Stopwatch.StartNew();
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
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{target} still publishes only [{string.Join(", ", kids)}] {clock.Elapsed.TotalSeconds:F0} s after the rotation");
                    await Task.Delay(100);
                }
            }
            await Task.Delay(1000);
            await traffic.StopAsync();

            Assert.True(traffic.Failures.Count == 0, $"{traffic.Failures.Count} of {traffic.Requests} requests failed during the rotation:\n{string.Join('\n', traffic.Failures.Take(20))}");
            Assert.True(traffic.Requests > 100, $"only {traffic.Requests} requests were made during the rotation");
            var newKeys = published.Values.Select(kids => Assert.Single(kids, kid => kid != oldKey)).Distinct().ToList();
            Assert.Single(newKeys);
            Assert.All(published.Values, kids => Assert.Contains(oldKey, kids));
            // Published is not signing: until every verifier can know the new key, the old one signs on both.
            foreach (var instance in new[] { cluster.A, cluster.B })
            {
                using var probe = cluster.NewBrowser();
                await probe.SignUpAndLogInAsync(instance.BaseUri, "rotation");
                Assert.Equal(oldKey, Jwt.KeyId(probe.AccessToken!));
            }
        }
        finally
        {
            browsers.ForEach(b => b.Dispose());
        }
    }

    private static async Task<string[]> KeyIdsAsync(Browser browser, Uri server)
    {
        var response = await browser.GetAsync(server, "/.well-known/jwks.json");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await Browser.Describe(response));
        using var jwks = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return jwks.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!).ToArray();
    }
}
