using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Cluster.Tests.Infrastructure;
using OtpNet;

namespace Gatehouse.Cluster.Tests.Mfa;

/// <summary>
/// An authenticator code is the cluster's to spend once: the step it was accepted for is recorded in
/// the shared database by a conditional update, so no other instance accepts it again (RFC 6238 §5.2).
/// Codes are computed with Otp.NET on the real clock, as an app would.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TotpAcrossInstancesTests(GatehouseCluster cluster)
{
    /// <summary>Signs up on A and turns the authenticator app on (set up on A, confirmed on B); returns the app's key.</summary>
    private static async Task<Totp> EnrolledAsync(Browser browser, GatehouseCluster cluster)
    {
        await browser.SignUpAndLogInAsync(cluster.A.BaseUri, "totp");
        var setup = await browser.PostAsync(cluster.A.BaseUri, "/auth/mfa/totp/setup");
        Assert.True(setup.StatusCode == HttpStatusCode.OK, await Browser.Describe(setup));
        var secret = (await setup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        // The key A sealed opens on B: both hold the same Gatehouse:Mfa:EncryptionKey.
        var confirm = await browser.PostAsync(cluster.B.BaseUri, "/auth/mfa/totp/confirm", new { code = totp.ComputeTotp(DateTime.UtcNow) });
        Assert.True(confirm.StatusCode == HttpStatusCode.OK, await Browser.Describe(confirm));
        return totp;
    }

    [Fact]
    public async Task The_same_confirming_code_sent_to_A_and_B_at_once_turns_the_app_on_once()
    {
        using var browser = cluster.NewBrowser();
        await browser.SignUpAndLogInAsync(cluster.A.BaseUri, "totp");
        var setup = await browser.PostAsync(cluster.B.BaseUri, "/auth/mfa/totp/setup");
        Assert.True(setup.StatusCode == HttpStatusCode.OK, await Browser.Describe(setup));
        var secret = (await setup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        var code = new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow);

        var answers = await Task.WhenAll(
            browser.PostAsync(cluster.A.BaseUri, "/auth/mfa/totp/confirm", new { code }),
            browser.CopyCookies().PostAsync(cluster.B.BaseUri, "/auth/mfa/totp/confirm", new { code }));

        // One turns it on (with the codes); the other is refused: the code was spent (400) or it is on already (409).
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Single(answers, a => a.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict);
    }

    /// <summary>Needs <c>POST /auth/login/mfa</c> (the sign-in's code step).</summary>
    [Fact]
    public async Task A_code_accepted_at_sign_in_on_A_is_refused_at_sign_in_on_B()
    {
        using var owner = cluster.NewBrowser();
        var totp = await EnrolledAsync(owner, cluster);
        // The confirming code spent the current step; the next step's code is inside the ±1 window now.
        var code = totp.ComputeTotp(DateTime.UtcNow.AddSeconds(30));

        using var first = cluster.NewBrowser();
        var pendingOnA = await first.LogInAsAsync(cluster.A.BaseUri, owner.Username!, Browser.Password);
        Assert.True(pendingOnA.StatusCode == HttpStatusCode.OK, await Browser.Describe(pendingOnA));
        Assert.True((await pendingOnA.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mfaRequired").GetBoolean());
        var accepted = await first.PostAsync(cluster.A.BaseUri, "/auth/login/mfa", new { code });
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, await Browser.Describe(accepted));
        Assert.NotNull(first.AccessToken);

        // Someone who saw the code over the owner's shoulder, with the password, on the other instance.
        using var second = cluster.NewBrowser();
        var pendingOnB = await second.LogInAsAsync(cluster.B.BaseUri, owner.Username!, Browser.Password);
        Assert.True(pendingOnB.StatusCode == HttpStatusCode.OK, await Browser.Describe(pendingOnB));
        var replayed = await second.PostAsync(cluster.B.BaseUri, "/auth/login/mfa", new { code });

        Assert.True(replayed.StatusCode == HttpStatusCode.Unauthorized, await Browser.Describe(replayed));
        Assert.Equal("code_invalid", (await replayed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Null(second.AccessToken);
    }
}
