using System.Diagnostics;
using System.Net;
using Gatehouse.Cluster.Tests.Infrastructure;

namespace Gatehouse.Cluster.Tests.Tokens;

/// <summary>
/// Rotating the signing key is an operator's command, run while both instances serve traffic: the
/// new key is published before it signs, so no instance ever meets a token it cannot check.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KeyRotationTests(GatehouseCluster cluster)
{
    [Fact]
    public async Task Rotating_the_signing_key_while_both_instances_serve_traffic_fails_no_request()
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
            // Tokens from before the rotation, kept unrefreshed: they must stay good to their expiry.
            using var before = browsers[1].CopyCookies();
            Uri[] targets = [cluster.A.BaseUri, cluster.B.BaseUri, cluster.ViaNginx];
            // Each browser reads its account on A, B and nginx in turn and renews its tokens now and
            // then, so tokens signed by both keys travel to both instances throughout.
            var traffic = Traffic.Start(browsers, (browser, i) => i % 10 == 9
                ? browser.PostAsync(targets[i / 10 % 3], "/auth/refresh")
                : browser.GetAsync(targets[i % 3], "/auth/me"));

            await Task.Delay(500);
            await using var rotate = await cluster.RunCommandAsync("--rotate-signing-key");
            Assert.True(rotate.ExitCode == 0, $"--rotate-signing-key exited with {rotate.ExitCode}:\n{rotate.Output}");

            // Once the new key is active, both instances sign with it.
            var newKeys = new Dictionary<string, string>();
            var clock = Stopwatch.StartNew();
            foreach (var instance in new[] { cluster.A, cluster.B })
            {
                while (true)
                {
                    using var probe = cluster.NewBrowser();
                    await probe.SignUpAndLogInAsync(instance.BaseUri, "rotation");
                    if (Jwt.KeyId(probe.AccessToken!) != oldKey)
                    {
                        newKeys[instance.Name] = Jwt.KeyId(probe.AccessToken!);
                        // What one instance signs with the new key, the other accepts.
                        var other = instance == cluster.A ? cluster.B : cluster.A;
                        Assert.Equal((HttpStatusCode.OK, probe.Username), await probe.MeAsync(other.BaseUri));
                        break;
                    }
                    Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"instance {instance.Name} still signs with the old key {clock.Elapsed.TotalSeconds:F0} s after the rotation");
                    await Task.Delay(250);
                }
            }
            await Task.Delay(1000);
            await traffic.StopAsync();

            Assert.Equal(newKeys["a"], newKeys["b"]);
            Assert.True(traffic.Failures.Count == 0, $"{traffic.Failures.Count} of {traffic.Requests} requests failed during the rotation:\n{string.Join('\n', traffic.Failures.Take(20))}");
            Assert.True(traffic.Requests > 100, $"only {traffic.Requests} requests were made during the rotation");
            // The old key still verifies the tokens it signed, on both instances.
            Assert.Equal(oldKey, Jwt.KeyId(before.AccessToken!));
            Assert.Equal(HttpStatusCode.OK, (await before.MeAsync(cluster.A.BaseUri)).Status);
            Assert.Equal(HttpStatusCode.OK, (await before.MeAsync(cluster.B.BaseUri)).Status);
        }
        finally
        {
            browsers.ForEach(b => b.Dispose());
        }
    }
}
