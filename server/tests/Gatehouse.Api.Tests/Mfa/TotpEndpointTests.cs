using System.Net;
using System.Text.RegularExpressions;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Tests.Accounts;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace Gatehouse.Api.Tests.Mfa;

/// <summary>Setting up, confirming and turning off the authenticator app over HTTP.</summary>
public sealed partial class TotpEndpointTests : IDisposable
{
    private readonly GatehouseFactory _factory = new();

    [Fact]
    public async Task A_new_account_has_no_second_factor_and_no_recovery_codes()
    {
        var (client, _) = await _factory.SignedInAsync();

        var status = await client.StatusAsync();

        Assert.False(status.GetProperty("totpEnabled").GetBoolean());
        Assert.Equal(0, status.GetProperty("recoveryCodesRemaining").GetInt32());
        Assert.Equal(0, status.GetProperty("passkeyCount").GetInt32());
        Assert.False(status.GetProperty("required").GetBoolean());
        Assert.False(status.GetProperty("enrollmentRequired").GetBoolean());
    }

    [Fact]
    public async Task The_status_needs_a_signed_in_user()
    {
        var response = await _factory.CreateClient().GetAsync("/auth/mfa");

        await response.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Setup_answers_a_base32_key_and_the_uri_an_app_scans()
    {
        var (client, username) = await _factory.SignedInAsync();

        var body = await (await client.SetupAsync()).JsonAsync(HttpStatusCode.OK);

        var secret = body.GetProperty("secret").GetString()!;
        Assert.Equal(20, Base32Encoding.ToBytes(secret).Length); // 160 bits, RFC 4226's recommendation
        Assert.Equal($"otpauth://totp/Gatehouse:{username}?secret={secret}&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30",
            body.GetProperty("otpauthUri").GetString());
        // Nothing is on until a code confirms the key.
        Assert.False((await client.StatusAsync()).GetProperty("totpEnabled").GetBoolean());
        Assert.Equal(1, await _factory.AuditCountAsync(AuditEvents.TotpEnabled, MfaEndpoints.SetupStarted));
    }

    [Fact]
    public async Task The_issuer_is_the_configured_product_name()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Email:ProductName", "Acme & Co");
        var (client, username) = await factory.SignedInAsync();

        var uri = (await (await client.SetupAsync()).JsonAsync(HttpStatusCode.OK)).GetProperty("otpauthUri").GetString()!;

        Assert.StartsWith($"otpauth://totp/Acme%20%26%20Co:{username}?secret=", uri, StringComparison.Ordinal);
        Assert.Contains("&issuer=Acme%20%26%20Co&", uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirming_with_a_code_from_the_app_turns_it_on_and_answers_ten_recovery_codes()
    {
        var (client, username) = await _factory.SignedInAsync();
        var key = await client.SetupKeyAsync();

        var body = await (await client.ConfirmAsync(_factory.Code(key))).JsonAsync(HttpStatusCode.OK);

        var codes = MfaApi.Codes(body);
        Assert.Equal(10, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Matches(RecoveryCodeShape(), code));
        var status = await client.StatusAsync();
        Assert.True(status.GetProperty("totpEnabled").GetBoolean());
        Assert.Equal(10, status.GetProperty("recoveryCodesRemaining").GetInt32());
        Assert.True(await _factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.TwoFactorEnabled && u.TotpEnabled).SingleAsync()));
        Assert.Equal(1, await _factory.AuditCountAsync(AuditEvents.TotpEnabled, AuditEvents.Success));
        Assert.Equal(1, await _factory.AuditCountAsync(AuditEvents.RecoveryCodesGenerated, AuditEvents.Success));
        // From now on the password alone only begins a sign-in.
        var login = await (await _factory.Bare().LoginAsync(username)).JsonAsync(HttpStatusCode.OK);
        Assert.True(login.GetProperty("mfaRequired").GetBoolean());
        // The confirming code is spent, like any other.
        Assert.False(await _factory.VerifyCodeAsync(username, _factory.Code(key)));
    }

    [Fact]
    public async Task A_code_with_a_space_in_the_middle_confirms_as_the_app_shows_it()
    {
        var (client, _) = await _factory.SignedInAsync();
        var key = await client.SetupKeyAsync();
        var code = _factory.Code(key);

        (await client.ConfirmAsync($"{code[..3]} {code[3..]}")).EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData("000000")]
    [InlineData("12345")]
    [InlineData("abcdef")]
    [InlineData("1234567890123456789012345678901234567890")]
    public async Task A_wrong_code_does_not_turn_it_on(string code)
    {
        var (client, _) = await _factory.SignedInAsync();
        var key = await client.SetupKeyAsync();
        if (code == "000000" && _factory.Code(key) is "000000")
        {
            return; // one chance in a million that the right code is the wrong one
        }

        var problem = await (await client.ConfirmAsync(code)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("code_invalid", problem.GetProperty("code").GetString());
        Assert.False((await client.StatusAsync()).GetProperty("totpEnabled").GetBoolean());
        Assert.Equal(1, await _factory.AuditCountAsync(AuditEvents.TotpEnabled, "code_invalid"));
    }

    [Fact]
    public async Task A_code_two_steps_old_does_not_confirm()
    {
        var (client, _) = await _factory.SignedInAsync();
        var key = await client.SetupKeyAsync();

        var problem = await (await client.ConfirmAsync(_factory.Code(key, -2))).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("code_invalid", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Confirming_without_a_code_asks_for_one()
    {
        var (client, _) = await _factory.SignedInAsync();
        await client.SetupKeyAsync();

        var problem = await (await client.ConfirmAsync(null)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("code_required", problem.GetProperty("codes").GetProperty("code")[0].GetString());
    }

    [Fact]
    public async Task Confirming_before_setup_says_to_start_the_setup()
    {
        var (client, _) = await _factory.SignedInAsync();

        var problem = await (await client.ConfirmAsync("123456")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("totp_setup_missing", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_second_setup_replaces_the_first_key_so_only_the_newest_confirms()
    {
        var (client, _) = await _factory.SignedInAsync();
        var first = await client.SetupKeyAsync();
        var second = await client.SetupKeyAsync();
        Assert.NotEqual(first, second);

        Assert.Equal("code_invalid", (await (await client.ConfirmAsync(_factory.Code(first))).ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("code").GetString());
        (await client.ConfirmAsync(_factory.Code(second))).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Setting_up_or_confirming_again_while_on_is_a_conflict()
    {
        var (client, _) = await _factory.SignedInAsync();
        var (key, _) = await _factory.EnableTotpAsync(client);

        Assert.Equal("totp_already_enabled", (await (await client.SetupAsync()).ProblemAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
        _factory.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("totp_already_enabled", (await (await client.ConfirmAsync(_factory.Code(key))).ProblemAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Setup_does_not_renew_the_security_stamp()
    {
        var (client, username) = await _factory.SignedInAsync();
        var before = await _factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.SecurityStamp).SingleAsync());

        await client.SetupKeyAsync();

        Assert.Equal(before, await _factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.SecurityStamp).SingleAsync()));
    }

    [Fact]
    public async Task Turning_it_off_ends_the_second_factor_and_the_recovery_codes_with_it()
    {
        var (client, username) = await _factory.SignedInAsync();
        var (key, codes) = await _factory.EnableTotpAsync(client);
        var stamp = await _factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.SecurityStamp).SingleAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DisableAsync()).StatusCode);

        var status = await client.StatusAsync();
        Assert.False(status.GetProperty("totpEnabled").GetBoolean());
        Assert.Equal(0, status.GetProperty("recoveryCodesRemaining").GetInt32());
        var user = await _factory.QueryAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.UserName == username));
        Assert.False(user.TwoFactorEnabled);
        Assert.NotEqual(stamp, user.SecurityStamp); // pending sign-ins and mailed links end with the factor
        Assert.Null(await _factory.WithUserAsync(username, (users, u) => users.GetAuthenticatorKeyAsync(u)));
        Assert.False(await _factory.RedeemAsync(username, codes[0]));
        Assert.False(await _factory.VerifyCodeAsync(username, _factory.Code(key, 1)));
        Assert.Equal(1, await _factory.AuditCountAsync(AuditEvents.TotpDisabled, AuditEvents.Success));
        // The password alone signs in again.
        (await _factory.Bare().LoginAsync(username)).EnsureSuccessStatusCode();
        Assert.NotNull(TestApi.AccessTokenCookie(await _factory.Bare().LoginAsync(username)));
    }

    [Fact]
    public async Task Turning_it_off_when_it_is_not_on_is_a_conflict()
    {
        var (client, _) = await _factory.SignedInAsync();

        Assert.Equal("totp_not_enabled", (await (await client.DisableAsync()).ProblemAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task It_can_be_set_up_again_after_being_turned_off_with_a_new_key()
    {
        var (client, _) = await _factory.SignedInAsync();
        var (first, _) = await _factory.EnableTotpAsync(client);
        (await client.DisableAsync()).EnsureSuccessStatusCode();

        var (second, codes) = await _factory.EnableTotpAsync(client);

        Assert.NotEqual(first, second);
        Assert.Equal(10, codes.Length);
    }

    [Fact]
    public async Task With_a_passkey_already_the_app_adds_no_recovery_codes_and_turning_it_off_keeps_the_second_factor()
    {
        var (client, username) = await _factory.SignedInAsync();
        await _factory.AddPasskeyAsync(username);
        var kept = await _factory.WithUserAsync(username, async (users, user) => (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray());

        var (_, codes) = await _factory.EnableTotpAsync(client);

        Assert.Empty(codes);
        var status = await client.StatusAsync();
        Assert.Equal(10, status.GetProperty("recoveryCodesRemaining").GetInt32());
        Assert.Equal(1, status.GetProperty("passkeyCount").GetInt32());

        (await client.DisableAsync()).EnsureSuccessStatusCode();

        Assert.True(await _factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.TwoFactorEnabled).SingleAsync()));
        Assert.Equal(10, await _factory.RecoveryCodesLeftAsync(username));
        Assert.True(await _factory.RedeemAsync(username, kept[0]));
    }

    [Fact]
    public async Task With_mfa_required_and_no_factor_the_status_says_enrolment_is_required_until_one_is_set_up()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Mfa:Required", "true");
        var (client, _) = await factory.SignedInAsync();

        var before = await client.StatusAsync();
        Assert.True(before.GetProperty("required").GetBoolean());
        Assert.True(before.GetProperty("enrollmentRequired").GetBoolean());

        await factory.EnableTotpAsync(client);

        Assert.False((await client.StatusAsync()).GetProperty("enrollmentRequired").GetBoolean());
    }

    [Fact]
    public async Task The_endpoints_are_in_the_openapi_document()
    {
        var document = await _factory.CreateClient().GetStringAsync("/openapi/v1.json");

        foreach (var path in new[] { "\"/auth/mfa\"", "\"/auth/mfa/totp/setup\"", "\"/auth/mfa/totp/confirm\"", "\"/auth/mfa/totp\"", "\"/auth/mfa/recovery-codes\"" })
        {
            Assert.Contains(path, document, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_request_from_a_foreign_origin_changes_nothing()
    {
        var (client, _) = await _factory.SignedInAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/mfa/totp/setup");
        request.Headers.Remove("Origin");
        request.Headers.Add("Origin", "https://evil.example");
        client.DefaultRequestHeaders.Remove("Origin");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, await _factory.AuditCountAsync(AuditEvents.TotpEnabled, MfaEndpoints.SetupStarted));
    }

    [GeneratedRegex("^[A-Z0-9]{5}-[A-Z0-9]{5}$")]
    private static partial Regex RecoveryCodeShape();

    public void Dispose() => _factory.Dispose();
}
