using System.Net;
using Gatehouse.Cluster.Tests.Infrastructure;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// A guesser gains nothing from the balancer: failures on A and on B count together, toward one
/// lockout and one rate limit per account and per address.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BruteForceAcrossInstancesTests(GatehouseCluster cluster)
{
    [Fact]
    public async Task Wrong_passwords_on_A_and_B_count_toward_one_lockout()
    {
        using var owner = cluster.NewBrowser();
        await owner.SignUpAndLogInAsync(cluster.A.BaseUri);

        // Many machines, each guessing once, half on each instance: none of them alone reaches the threshold.
        for (var i = 0; i < GatehouseCluster.LockoutThreshold; i++)
        {
            using var guesser = cluster.NewBrowser();
            var guess = await guesser.LogInAsAsync(Instance(i), owner.Username!, $"wrong password {i}");
            Assert.True(guess.StatusCode == HttpStatusCode.Unauthorized, await Browser.Describe(guess));
        }

        // Locked on both: even the right password is refused, with the same generic 401.
        foreach (var instance in new[] { cluster.A.BaseUri, cluster.B.BaseUri })
        {
            using var rightful = cluster.NewBrowser();
            var login = await rightful.LogInAsAsync(instance, owner.Username!, Browser.Password);
            Assert.True(login.StatusCode == HttpStatusCode.Unauthorized, await Browser.Describe(login));
            Assert.Null(rightful.AccessToken);
        }
    }

    [Fact]
    public async Task A_browser_that_signed_in_on_A_still_gets_in_on_B_while_guesses_on_both_lock_the_account()
    {
        // The device cookie's row is in the shared database: one instance issues it, every one honours it.
        using var owner = cluster.NewBrowser();
        await owner.SignUpAndLogInAsync(cluster.A.BaseUri);
        for (var i = 0; i < GatehouseCluster.LockoutThreshold; i++)
        {
            using var guesser = cluster.NewBrowser();
            var guess = await guesser.LogInAsAsync(Instance(i), owner.Username!, $"wrong password {i}");
            Assert.True(guess.StatusCode == HttpStatusCode.Unauthorized, await Browser.Describe(guess));
        }
        using var stranger = cluster.NewBrowser();
        var refused = await stranger.LogInAsAsync(cluster.B.BaseUri, owner.Username!, Browser.Password);
        Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, await Browser.Describe(refused));

        var back = await owner.LogInAsync(cluster.B.BaseUri);

        Assert.True(back.StatusCode == HttpStatusCode.OK, await Browser.Describe(back));
        Assert.NotNull(owner.AccessToken);
    }

    [Fact]
    public async Task A_known_browsers_wrong_passwords_on_A_and_B_count_toward_one_lock_of_that_browser()
    {
        using var owner = cluster.NewBrowser();
        await owner.SignUpAndLogInAsync(cluster.A.BaseUri);

        // Copies of its cookies from ever new addresses, alternating instances: one device, one count.
        for (var i = 0; i < GatehouseCluster.LockoutThreshold; i++)
        {
            using var copy = owner.CopyCookies();
            var guess = await copy.LogInAsync(Instance(i), $"wrong password {i}");
            Assert.True(guess.StatusCode == HttpStatusCode.Unauthorized, await Browser.Describe(guess));
        }
        using var lockedCopy = owner.CopyCookies();
        var locked = await lockedCopy.LogInAsync(cluster.B.BaseUri);
        Assert.True(locked.StatusCode == HttpStatusCode.Unauthorized, await Browser.Describe(locked));

        // The account itself was never locked: another browser with the password gets in.
        using var laptop = cluster.NewBrowser();
        var login = await laptop.LogInAsAsync(cluster.A.BaseUri, owner.Username!, Browser.Password);
        Assert.True(login.StatusCode == HttpStatusCode.OK, await Browser.Describe(login));
    }

    [Fact]
    public async Task Sign_in_attempts_on_A_and_B_count_toward_one_limit_per_account()
    {
        // Limited per name whether or not the account exists, so that 429s reveal nothing.
        var username = $"target_{Guid.NewGuid():N}";
        for (var i = 0; i < GatehouseCluster.LoginsPerAccount; i++)
        {
            using var guesser = cluster.NewBrowser();
            var guess = await guesser.LogInAsAsync(Instance(i), username, "wrong password");
            Assert.True(guess.StatusCode == HttpStatusCode.Unauthorized, $"attempt {i + 1}: {await Browser.Describe(guess)}");
        }

        foreach (var instance in new[] { cluster.A.BaseUri, cluster.B.BaseUri, cluster.ViaNginx })
        {
            using var guesser = cluster.NewBrowser();
            var limited = await guesser.LogInAsAsync(instance, username, "wrong password");
            Assert.True(limited.StatusCode == HttpStatusCode.TooManyRequests, await Browser.Describe(limited));
            Assert.True(limited.Headers.RetryAfter is not null, "a 429 says when to try again");
        }
    }

    [Fact]
    public async Task Sign_in_attempts_from_one_address_through_nginx_and_directly_count_toward_one_limit_per_address()
    {
        using var guesser = cluster.NewBrowser();
        var upstreams = new HashSet<string>();
        // A different account each time: only the address ties the attempts together.
        for (var i = 0; i < GatehouseCluster.LoginsPerAddress; i++)
        {
            var guess = await guesser.LogInAsAsync(cluster.ViaNginx, $"someone_{Guid.NewGuid():N}", "wrong password");
            Assert.True(guess.StatusCode == HttpStatusCode.Unauthorized, $"attempt {i + 1}: {await Browser.Describe(guess)}");
            upstreams.Add(Nginx.AnsweredBy(guess)!);
        }
        Assert.Equal(new HashSet<string> { cluster.A.Upstream, cluster.B.Upstream }, upstreams);

        // nginx's X-Forwarded-For names the same client as a direct connection from that address.
        foreach (var instance in new[] { cluster.ViaNginx, cluster.A.BaseUri, cluster.B.BaseUri })
        {
            var limited = await guesser.LogInAsAsync(instance, $"someone_{Guid.NewGuid():N}", "wrong password");
            Assert.True(limited.StatusCode == HttpStatusCode.TooManyRequests, await Browser.Describe(limited));
        }
        // Another address is not held back by this one's attempts.
        using var neighbour = cluster.NewBrowser();
        var other = await neighbour.LogInAsAsync(cluster.ViaNginx, $"someone_{Guid.NewGuid():N}", "wrong password");
        Assert.True(other.StatusCode == HttpStatusCode.Unauthorized, await Browser.Describe(other));
    }

    private Uri Instance(int attempt) => attempt % 2 == 0 ? cluster.A.BaseUri : cluster.B.BaseUri;
}
