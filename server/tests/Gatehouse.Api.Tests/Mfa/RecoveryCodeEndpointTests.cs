using System.Net;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Tests.Accounts;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Mfa;

/// <summary>New recovery codes over HTTP, and the step-up and limits on every second-factor change.</summary>
public sealed class RecoveryCodeEndpointTests : IDisposable
{
    private readonly GatehouseFactory _factory = new();

    [Fact]
    public async Task New_recovery_codes_replace_the_old_ones_which_stop_working()
    {
        var (client, username) = await _factory.SignedInAsync();
        var (_, old) = await _factory.EnableTotpAsync(client);
        Assert.True(await _factory.RedeemAsync(username, old[0]));
        Assert.Equal(9, (await client.StatusAsync()).GetProperty("recoveryCodesRemaining").GetInt32());

        var fresh = MfaApi.Codes(await (await client.NewRecoveryCodesAsync()).JsonAsync(HttpStatusCode.OK));

        Assert.Equal(10, fresh.Distinct().Count());
        Assert.Empty(fresh.Intersect(old));
        Assert.Equal(10, (await client.StatusAsync()).GetProperty("recoveryCodesRemaining").GetInt32());
        Assert.False(await _factory.RedeemAsync(username, old[1]));
        Assert.True(await _factory.RedeemAsync(username, fresh[9]));
        Assert.False(await _factory.RedeemAsync(username, fresh[9]));
        Assert.Equal(9, (await client.StatusAsync()).GetProperty("recoveryCodesRemaining").GetInt32());
        Assert.Equal(2, await _factory.AuditCountAsync(AuditEvents.RecoveryCodesGenerated, AuditEvents.Success));
    }

    [Fact]
    public async Task Without_a_second_factor_there_are_no_recovery_codes_to_make()
    {
        var (client, username) = await _factory.SignedInAsync();

        var problem = await (await client.NewRecoveryCodesAsync()).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal("second_factor_required", problem.GetProperty("code").GetString());
        Assert.Equal(0, await _factory.RecoveryCodesLeftAsync(username));
    }

    [Fact]
    public async Task A_passkey_alone_is_enough_for_recovery_codes()
    {
        var (client, username) = await _factory.SignedInAsync();
        await _factory.AddPasskeyAsync(username);

        var codes = MfaApi.Codes(await (await client.NewRecoveryCodesAsync()).JsonAsync(HttpStatusCode.OK));

        Assert.Equal(10, codes.Length);
    }

    [Fact]
    public async Task Setup_turning_off_and_new_codes_need_an_authentication_within_the_window()
    {
        var (client, username) = await _factory.SignedInAsync();
        var (key, codes) = await _factory.EnableTotpAsync(client);

        // Past the window (10 minutes); the access token has expired too, so the browser refreshes first.
        _factory.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        (await client.PostAsync("/auth/refresh", null)).EnsureSuccessStatusCode();

        foreach (var response in new[] { await client.DisableAsync(), await client.NewRecoveryCodesAsync(), await client.SetupAsync() })
        {
            Assert.Equal("reauthentication_required", (await response.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        }
        Assert.True((await client.StatusAsync()).GetProperty("totpEnabled").GetBoolean());
        Assert.True(await _factory.RedeemAsync(username, codes[0]));
        Assert.Equal(0, await _factory.AuditCountAsync(AuditEvents.TotpDisabled, AuditEvents.Success));
        Assert.NotEmpty(key);
    }

    [Fact]
    public async Task At_the_end_of_the_window_the_change_is_still_allowed()
    {
        var (client, _) = await _factory.SignedInAsync();
        await _factory.EnableTotpAsync(client);

        _factory.Time.Advance(TimeSpan.FromMinutes(10));
        (await client.PostAsync("/auth/refresh", null)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.OK, (await client.NewRecoveryCodesAsync()).StatusCode);
    }

    [Fact]
    public async Task Confirming_is_limited_per_account_so_codes_cannot_be_guessed_by_volume()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:MfaSetup:PerIp", "100")
            .With("Gatehouse:RateLimits:MfaSetup:PerUser", "3")
            .With("Gatehouse:RateLimits:MfaSetup:Window", "00:15:00")
            .With("Gatehouse:RateLimits:Login:PerIp", "100")
            .With("Gatehouse:RateLimits:Register:PerIp", "100");
        var (client, _) = await factory.SignedInAsync();
        var key = await client.SetupKeyAsync();

        Assert.Equal(HttpStatusCode.BadRequest, (await client.ConfirmAsync("000001")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.ConfirmAsync("000002")).StatusCode);
        var limited = await client.ConfirmAsync(factory.Code(key));

        Assert.Equal("rate_limited", (await limited.ProblemAsync(HttpStatusCode.TooManyRequests)).GetProperty("code").GetString());
        Assert.False((await client.StatusAsync()).GetProperty("totpEnabled").GetBoolean());
    }

    public void Dispose() => _factory.Dispose();
}
