using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Cluster.Tests.Infrastructure;

namespace Gatehouse.Cluster.Tests.ExternalLogins;

/// <summary>
/// An external sign-in is two visits to the API (the start and the provider's callback), and behind
/// a balancer they may reach different instances: what the first one protected (the <c>state</c>, the
/// correlation and nonce cookies) the second must open. Each instance has a home of its own here, so
/// only the key ring the instances share in the database can make that work.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ExternalSignInAcrossInstancesTests(GatehouseCluster cluster)
{
    private static readonly HttpClient ToProvider = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

    [Fact]
    public async Task A_sign_in_started_on_A_and_returning_to_B_lands_signed_in_and_the_session_holds_on_both()
    {
        using var browser = cluster.NewBrowser();
        // The host the browser sees, which nginx passes on: the redirect URI is built from it on both.
        var host = cluster.ViaNginx.Authority;
        var subject = $"roaming-{Guid.NewGuid():N}"[..24];
        var email = $"{subject}@example.com";

        var start = await browser.SendAsync(cluster.A.BaseUri, HttpMethod.Get, "/auth/external/local/start?next=%2Fdashboard", host: host);
        Assert.True(start.StatusCode == HttpStatusCode.Redirect, await Browser.Describe(start));
        var authorization = start.Headers.Location!;
        Assert.StartsWith(cluster.Provider.Issuer, authorization.ToString(), StringComparison.Ordinal);

        // The person signs in at the provider, which sends the browser back to the redirect URI.
        var answer = $"dev_action=custom&dev_email={Uri.EscapeDataString(email)}&dev_subject={subject}&dev_email_verified=true";
        var atProvider = await ToProvider.GetAsync(authorization + "&" + answer);
        Assert.True(atProvider.StatusCode == HttpStatusCode.Redirect, await Browser.Describe(atProvider));
        var redirect = atProvider.Headers.Location!;
        Assert.Equal(host, redirect.Authority);

        var callback = await browser.SendAsync(cluster.B.BaseUri, HttpMethod.Get, redirect.PathAndQuery, host: host);
        Assert.True(callback.StatusCode == HttpStatusCode.Redirect, await Browser.Describe(callback) + "\n" + cluster.B.Output);
        Assert.Equal($"{GatehouseCluster.FrontendUrl}/dashboard", callback.Headers.Location!.ToString());
        Assert.NotNull(browser.AccessToken);

        foreach (var instance in new[] { cluster.A, cluster.B })
        {
            var me = await browser.GetAsync(instance.BaseUri, "/auth/me");
            Assert.True(me.StatusCode == HttpStatusCode.OK, await Browser.Describe(me));
            Assert.Equal(email, (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("email").GetString());
        }
    }
}
