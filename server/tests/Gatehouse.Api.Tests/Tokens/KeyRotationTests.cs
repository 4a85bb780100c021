using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tokens;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary>
/// A rotation on the fake clock, with the defaults: the new key is published at once and signs 15
/// minutes later; the key it replaces verifies for one token lifetime (10 min) plus the skew (30 s)
/// more, then leaves the JWKS and the database.
/// </summary>
public sealed class KeyRotationTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_rotated_key_is_in_the_jwks_at_once_and_signs_only_after_the_activation_delay()
    {
        using var factory = new GatehouseFactory();
        var (username, first, _) = await factory.SignInAsync();
        var old = KeyRing.Kid(first);

        var added = await factory.RotateAsync();

        Assert.NotEqual(old, added);
        Assert.Equal(new[] { old, added }.Order(StringComparer.Ordinal), await factory.JwksKidsAsync());
        factory.Time.Advance(Delay - Second);
        Assert.Equal(old, KeyRing.Kid((await factory.LogInAsync(username)).Access));

        factory.Time.Advance(Second);
        var (fresh, _) = await factory.LogInAsync(username);
        Assert.Equal(added, KeyRing.Kid(fresh));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(fresh));
        Assert.Equal(2, (await factory.JwksKidsAsync()).Length); // the old key still verifies
    }

    [Fact]
    public async Task The_replaced_key_verifies_until_its_last_token_expires_then_leaves_the_jwks_and_is_refused()
    {
        // A refresh period off the 30 s grid, so the retirement below is the clock's doing, not a reload's.
        using var factory = new GatehouseFactory().With("Gatehouse:Tokens:KeyRefreshInterval", "00:04:59");
        var (username, first, _) = await factory.SignInAsync();
        var keys = factory.Services.GetRequiredService<SigningKeys>();
        // Outlives the key: shows the key's retirement, not the token's expiry, is what refuses it.
        var oldKeyLongLived = KeyRing.LongLived(first, keys.Credentials);
        var old = KeyRing.Kid(first);
        var added = await factory.RotateAsync();
        factory.Time.Advance(Delay - Second);
        var (lastOld, _) = await factory.LogInAsync(username);
        Assert.Equal(old, KeyRing.Kid(lastOld));
        factory.Time.Advance(Second); // the new key signs from here
        var newKeyLongLived = KeyRing.LongLived((await factory.LogInAsync(username)).Access, keys.Credentials);
        Assert.Equal(added, KeyRing.Kid(newKeyLongLived));

        // The last token the old key signed: valid through its expiry plus the skew.
        factory.Time.Advance(Grace - Second - Second);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(lastOld));
        factory.Time.Advance(Second);
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(lastOld));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(oldKeyLongLived));
        Assert.Contains(old, await factory.JwksKidsAsync());

        factory.Time.Advance(Second); // activation + lifetime + skew: the old key retires
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(oldKeyLongLived));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(newKeyLongLived));
        Assert.Equal([added], await factory.JwksKidsAsync());

        await factory.RefreshKeysAsync();
        Assert.Equal([added], factory.Query(db => db.SigningKeys.Select(k => k.Kid).ToList()));
    }

    [Fact]
    public async Task Two_instances_on_one_database_verify_each_others_tokens_across_a_rotation()
    {
        using var one = new GatehouseFactory();
        var (username, fromOne, _) = await one.SignInAsync();
        using var two = GatehouseFactory.OnDirectory(one.DataDirectory);
        two.CreateClient();
        two.Time.AdjustTime(one.Time.GetUtcNow());
        void Advance(TimeSpan by)
        {
            one.Time.Advance(by);
            two.Time.Advance(by);
        }
        var (fromTwo, _) = await two.LogInAsync(username);
        Assert.Equal(KeyRing.Kid(fromOne), KeyRing.Kid(fromTwo)); // one shared key

        var added = await one.RotateAsync();
        // The other instance learns of it on its own at its next refresh (every 30 s by default;
        // 31 s covers the up-to-a-second its clock was set back to match the first's).
        Advance(TimeSpan.FromSeconds(31));
        await Eventually.HoldsAsync(async () => (await two.JwksKidsAsync()).Contains(added), "the second instance publishes the new key");

        Advance(Delay - TimeSpan.FromSeconds(31) - Second);
        var (lastOld, _) = await two.LogInAsync(username);
        Advance(Second); // the new key signs on both from here
        var (newFromOne, _) = await one.LogInAsync(username);
        var (newFromTwo, _) = await two.LogInAsync(username);
        Assert.Equal(added, KeyRing.Kid(newFromOne));
        Assert.Equal(added, KeyRing.Kid(newFromTwo));
        Assert.Equal(HttpStatusCode.OK, await two.MeStatusAsync(newFromOne));
        Assert.Equal(HttpStatusCode.OK, await one.MeStatusAsync(newFromTwo));

        // The old key's last token stays good on both through its expiry plus the skew.
        Advance(Grace - Second - Second);
        Assert.NotEqual(added, KeyRing.Kid(lastOld));
        Assert.Equal(HttpStatusCode.OK, await one.MeStatusAsync(lastOld));
        Assert.Equal(HttpStatusCode.OK, await two.MeStatusAsync(lastOld));
    }

    [Fact]
    public async Task Rotating_twice_before_activation_lets_only_the_newest_key_sign_and_retires_both_older_ones()
    {
        using var factory = new GatehouseFactory();
        var (username, first, _) = await factory.SignInAsync();
        var old = KeyRing.Kid(first);
        var skipped = await factory.RotateAsync();
        factory.Time.Advance(TimeSpan.FromMinutes(1));
        var newest = await factory.RotateAsync();
        Assert.Equal(3, (await factory.JwksKidsAsync()).Length);

        // The first rotation's key signs in the minute between the two activations, then the newest.
        factory.Time.Advance(Delay - TimeSpan.FromMinutes(1));
        Assert.Equal(skipped, KeyRing.Kid((await factory.LogInAsync(username)).Access));
        factory.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(newest, KeyRing.Kid((await factory.LogInAsync(username)).Access));

        factory.Time.Advance(Grace);
        Assert.Equal([newest], await factory.JwksKidsAsync());
        Assert.DoesNotContain(old, await factory.JwksKidsAsync());
    }
}
