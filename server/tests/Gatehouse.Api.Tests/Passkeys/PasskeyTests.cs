using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Accounts;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Passkeys;

public sealed class PasskeyTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task A_first_passkey_is_listed_turns_the_second_factor_on_and_comes_with_ten_recovery_codes_once()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var first = new TestAuthenticator();
        using var second = new TestAuthenticator { Synced = true };

        var added = await client.AddPasskeyAsync(first);
        Assert.Equal(first.Id, added.GetProperty("passkey").GetProperty("id").GetString());
        Assert.Equal($"Passkey {factory.Time.GetUtcNow():yyyy-MM-dd}", added.GetProperty("passkey").GetProperty("name").GetString());
        Assert.False(added.GetProperty("passkey").GetProperty("backedUp").GetBoolean());
        Assert.Equal(10, added.GetProperty("recoveryCodes").GetArrayLength());

        // Not the first factor any more: no new codes (the first ones stay valid).
        var again = await client.AddPasskeyAsync(second, "  Phone  ");
        Assert.False(again.TryGetProperty("recoveryCodes", out _));
        Assert.Equal("Phone", again.GetProperty("passkey").GetProperty("name").GetString());

        var list = await (await client.GetAsync("/auth/passkeys")).JsonAsync(HttpStatusCode.OK);
        var passkeys = list.GetProperty("passkeys").EnumerateArray().ToArray();
        Assert.Equal([first.Id, second.Id], passkeys.Select(p => p.GetProperty("id").GetString()));
        Assert.True(passkeys[1].GetProperty("backedUp").GetBoolean());
        Assert.True(await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.TwoFactorEnabled).SingleAsync()));

        // A password now only begins the sign-in; the passkey is one of the ways to finish it.
        var login = await factory.CreateClient().LoginAsync(username);
        var body = await login.JsonAsync(HttpStatusCode.OK);
        Assert.True(body.GetProperty("mfaRequired").GetBoolean());
        Assert.Contains("passkey", body.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Null(TestApi.AccessTokenCookie(login));
    }

    [Fact]
    public async Task Adding_and_removing_a_passkey_tells_a_verified_address()
    {
        var (username, email) = await factory.RegisterWithEmailAsync();
        await factory.MarkVerifiedAsync(username);
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator, "Laptop");
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/auth/passkeys/{authenticator.Id}")).StatusCode);

        var kinds = await factory.QueryAsync(db => db.Outbox.Where(m => m.To == email).Select(m => m.Kind).ToListAsync());
        Assert.Contains(MailKinds.PasskeyAdded, kinds);
        Assert.Contains(MailKinds.PasskeyRemoved, kinds);
    }

    [Fact]
    public async Task A_passkey_can_be_renamed_but_not_to_nothing_and_an_unknown_one_is_not_found()
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);

        var renamed = await (await client.PatchAsJsonAsync($"/auth/passkeys/{authenticator.Id}", new { name = "Work key" })).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Work key", renamed.GetProperty("name").GetString());
        var list = await (await client.GetAsync("/auth/passkeys")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Work key", list.GetProperty("passkeys")[0].GetProperty("name").GetString());

        foreach (var name in new[] { "", "   ", new string('x', 65), "tab\there" })
        {
            var bad = await (await client.PatchAsJsonAsync($"/auth/passkeys/{authenticator.Id}", new { name })).ProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal("passkey_name_invalid", bad.GetProperty("codes").GetProperty("name")[0].GetString());
        }
        foreach (var id in new[] { "AAAAAAAAAAAAAAAAAAAAAA", "not*base64", "A" })
        {
            var missing = await (await client.PatchAsJsonAsync($"/auth/passkeys/{id}", new { name = "x" })).ProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal("passkey_not_found", missing.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task A_web_app_on_another_origin_may_rename_a_passkey()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/auth/passkeys/some-id");
        preflight.Headers.Add("Origin", "http://localhost:3000");
        preflight.Headers.Add("Access-Control-Request-Method", "PATCH");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        var response = await factory.CreateClient().SendAsync(preflight);
        Assert.Contains("PATCH", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")));
    }

    [Fact]
    public async Task Another_accounts_passkey_cannot_be_renamed_or_deleted()
    {
        var owner = factory.CreateClient();
        await owner.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await owner.AddPasskeyAsync(authenticator);

        var stranger = factory.CreateClient();
        await stranger.SignUpAndLogInAsync();
        await (await stranger.PatchAsJsonAsync($"/auth/passkeys/{authenticator.Id}", new { name = "mine" })).ProblemAsync(HttpStatusCode.NotFound);
        await (await stranger.DeleteAsync($"/auth/passkeys/{authenticator.Id}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Single((await (await owner.GetAsync("/auth/passkeys")).JsonAsync(HttpStatusCode.OK)).GetProperty("passkeys").EnumerateArray());
    }

    [Fact]
    public async Task Deleting_the_last_factor_turns_the_second_factor_off_and_its_recovery_codes_with_it_but_a_remaining_passkey_keeps_it()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var first = new TestAuthenticator();
        using var second = new TestAuthenticator();
        await client.AddPasskeyAsync(first);
        await client.AddPasskeyAsync(second);
        var twoFactor = () => factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.TwoFactorEnabled).SingleAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/auth/passkeys/{first.Id}")).StatusCode);
        Assert.True(await twoFactor());
        await (await client.DeleteAsync($"/auth/passkeys/{first.Id}")).ProblemAsync(HttpStatusCode.NotFound);
        var status = async () => (await (await client.GetAsync("/auth/mfa")).JsonAsync(HttpStatusCode.OK)).GetProperty("recoveryCodesRemaining").GetInt32();
        Assert.Equal(10, await status());
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/auth/passkeys/{second.Id}")).StatusCode);
        Assert.False(await twoFactor());
        Assert.Equal(0, await status());

        // A password alone signs in again, as before any factor.
        var login = await factory.CreateClient().LoginAsync(username);
        Assert.NotNull(TestApi.AccessTokenCookie(login));
    }

    [Fact]
    public async Task Deleting_a_passkey_keeps_the_second_factor_while_an_authenticator_app_is_on()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);
        await factory.EnrollAsync(username);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/auth/passkeys/{authenticator.Id}")).StatusCode);
        Assert.True(await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.TwoFactorEnabled).SingleAsync()));
    }

    [Fact]
    public async Task A_passwordless_sign_in_with_user_verification_starts_a_multi_factor_session()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var deviceBound = new TestAuthenticator();
        using var synced = new TestAuthenticator { Synced = true };
        await client.AddPasskeyAsync(deviceBound);
        await client.AddPasskeyAsync(synced);

        var browser = factory.CreateClient();
        var (_, options) = await browser.OptionsAsync("/auth/passkeys/login/options");
        // Discoverable: the browser offers whichever passkey the user picks; the API names none.
        Assert.Equal(0, options.GetProperty("allowCredentials").GetArrayLength());
        Assert.Equal("required", options.GetProperty("userVerification").GetString());
        Assert.Equal("localhost", options.GetProperty("rpId").GetString());

        var login = await browser.SignInWithPasskeyAsync(deviceBound);
        var body = await login.JsonAsync(HttpStatusCode.OK);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal(["hwk", "mfa"], PasskeyApi.Amr(login));
        var me = await (await browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(username, me.GetProperty("username").GetString());

        var syncedLogin = await factory.CreateClient().SignInWithPasskeyAsync(synced);
        Assert.Equal(HttpStatusCode.OK, syncedLogin.StatusCode);
        Assert.Equal(["swk", "mfa"], PasskeyApi.Amr(syncedLogin));
    }

    [Fact]
    public async Task A_passwordless_sign_in_without_user_verification_is_refused_and_audited()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);

        var browser = factory.CreateClient();
        var refused = await (await browser.SignInWithPasskeyAsync(authenticator, userVerified: false)).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("passkey_failed", refused.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/auth/me")).StatusCode);

        var userId = await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.Id).SingleAsync());
        // A failed answer is audited, but it is no password guess: the lockout count stays where it was.
        Assert.Equal(0, await factory.QueryAsync(db => db.Users.Where(u => u.Id == userId).Select(u => u.AccessFailedCount).SingleAsync()));
    }

    [Fact]
    public async Task A_passkey_is_the_second_factor_after_the_password_even_without_user_verification()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);

        var browser = factory.CreateClient();
        var pending = await (await browser.LoginAsync(username)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["passkey", "recovery_code"], pending.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        var (ceremonyId, options) = await browser.OptionsAsync("/auth/passkeys/login/options");
        // The pending sign-in's user is known: that user's passkeys, and the password already stands beside it.
        Assert.Equal(authenticator.Id, Assert.Single(options.GetProperty("allowCredentials").EnumerateArray()).GetProperty("id").GetString());
        var login = await browser.PasskeyLoginAsync(ceremonyId, authenticator.Get(options, userVerified: false));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(["pwd", "hwk", "mfa"], PasskeyApi.Amr(login));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task A_passkey_finishes_the_sign_in_of_an_account_that_also_has_an_authenticator_app()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator { Synced = true };
        await client.AddPasskeyAsync(authenticator);
        await factory.EnrollAsync(username);

        var browser = factory.CreateClient();
        var pending = await (await browser.LoginAsync(username)).JsonAsync(HttpStatusCode.OK);
        Assert.Contains("totp", pending.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        var login = await browser.SignInWithPasskeyAsync(authenticator, userVerified: false);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(["pwd", "swk", "mfa"], PasskeyApi.Amr(login));
    }

    [Fact]
    public async Task Another_users_passkey_cannot_complete_someones_pending_sign_in()
    {
        var victimClient = factory.CreateClient();
        var (victim, _) = await victimClient.SignUpAndLogInAsync();
        using var victimKey = new TestAuthenticator();
        await victimClient.AddPasskeyAsync(victimKey);
        var attackerClient = factory.CreateClient();
        await attackerClient.SignUpAndLogInAsync();
        using var attackerKey = new TestAuthenticator();
        await attackerClient.AddPasskeyAsync(attackerKey);

        // The victim's password, in a browser that then offers the attacker's own passkey.
        var browser = factory.CreateClient();
        Assert.True((await (await browser.LoginAsync(victim)).JsonAsync(HttpStatusCode.OK)).GetProperty("mfaRequired").GetBoolean());
        var (ceremonyId, options) = await browser.OptionsAsync("/auth/passkeys/login/options");
        var bound = await (await browser.PasskeyLoginAsync(ceremonyId, attackerKey.Get(options, userVerified: false))).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("passkey_failed", bound.GetProperty("code").GetString());

        // Nor through a discoverable ceremony begun before the password: the attacker's passkey without
        // user verification is no sign-in of its own, and never the victim's second factor.
        var early = factory.CreateClient();
        var (discoverableId, discoverable) = await early.OptionsAsync("/auth/passkeys/login/options");
        Assert.True((await (await early.LoginAsync(victim)).JsonAsync(HttpStatusCode.OK)).GetProperty("mfaRequired").GetBoolean());
        await (await early.PasskeyLoginAsync(discoverableId, attackerKey.Get(discoverable, userVerified: false))).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, (await early.GetAsync("/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task An_answer_from_another_origin_or_for_another_relying_party_is_refused()
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);

        authenticator.Origin = "https://evil.example";
        var wrongOrigin = await factory.CreateClient().SignInWithPasskeyAsync(authenticator);
        Assert.Equal("passkey_failed", (await wrongOrigin.ProblemAsync(HttpStatusCode.Unauthorized)).GetProperty("code").GetString());

        authenticator.Origin = GatehouseFactory.Origin;
        authenticator.RpId = "evil.example";
        var wrongRp = await factory.CreateClient().SignInWithPasskeyAsync(authenticator);
        Assert.Equal("passkey_failed", (await wrongRp.ProblemAsync(HttpStatusCode.Unauthorized)).GetProperty("code").GetString());
        // The very same authenticator, answering for the right origin and RP id, gets in: it was those that failed.
        authenticator.RpId = null;
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().SignInWithPasskeyAsync(authenticator)).StatusCode);

        // And the same at registration: a passkey made for another site is never stored.
        using var phished = new TestAuthenticator { Origin = "https://evil.example" };
        var (ceremonyId, options) = await client.OptionsAsync("/auth/passkeys/register/options");
        var refused = await (await client.FinishRegistrationAsync(ceremonyId, phished.Create(options))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("passkey_failed", refused.GetProperty("code").GetString());
        Assert.Single((await (await client.GetAsync("/auth/passkeys")).JsonAsync(HttpStatusCode.OK)).GetProperty("passkeys").EnumerateArray());
    }

    [Fact]
    public async Task A_ceremony_is_single_use()
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);

        var browser = factory.CreateClient();
        var (ceremonyId, options) = await browser.OptionsAsync("/auth/passkeys/login/options");
        Assert.Equal(HttpStatusCode.OK, (await browser.PasskeyLoginAsync(ceremonyId, authenticator.Get(options))).StatusCode);
        // The same answer again, or a fresh signature on the same challenge: the ceremony is spent.
        var replay = await (await factory.CreateClient().PasskeyLoginAsync(ceremonyId, authenticator.Get(options))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("ceremony_invalid", replay.GetProperty("code").GetString());

        using var another = new TestAuthenticator();
        var (registrationId, creation) = await client.OptionsAsync("/auth/passkeys/register/options");
        Assert.Equal(HttpStatusCode.Created, (await client.FinishRegistrationAsync(registrationId, another.Create(creation))).StatusCode);
        using var third = new TestAuthenticator();
        var reused = await (await client.FinishRegistrationAsync(registrationId, third.Create(creation))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("ceremony_invalid", reused.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_registration_ceremony_belongs_to_the_session_that_began_it()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        var otherSession = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await otherSession.LoginAsync(username)).StatusCode);

        using var authenticator = new TestAuthenticator();
        var (ceremonyId, options) = await client.OptionsAsync("/auth/passkeys/register/options");
        var refused = await (await otherSession.FinishRegistrationAsync(ceremonyId, authenticator.Create(options))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("ceremony_invalid", refused.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_sign_count_is_stored_and_an_older_count_is_refused_as_a_clone()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().SignInWithPasskeyAsync(authenticator)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().SignInWithPasskeyAsync(authenticator)).StatusCode);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var user = await users.FindByNameAsync(username);
            Assert.Equal(2u, (await users.GetPasskeyAsync(user!, authenticator.CredentialId))!.SignCount);
        }

        authenticator.SignCount = 0; // a copy of the key that has counted less
        await (await factory.CreateClient().SignInWithPasskeyAsync(authenticator)).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_locked_account_cannot_sign_in_with_a_passkey_either()
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);
        await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username)
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LockoutEnd, factory.Time.GetUtcNow().AddMinutes(10))));

        var refused = await (await factory.CreateClient().SignInWithPasskeyAsync(authenticator)).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("passkey_failed", refused.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Bad_answers_are_problems_never_server_errors()
    {
        var browser = factory.CreateClient();
        var (ceremonyId, _) = await browser.OptionsAsync("/auth/passkeys/login/options");
        foreach (var credential in new[] { "{}", """{"id":"AAAA","type":"public-key","response":{}}""", """{"id":"!!","rawId":5}""" })
        {
            var (id, _) = await browser.OptionsAsync("/auth/passkeys/login/options");
            var refused = await (await browser.PasskeyLoginAsync(id, credential)).ProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Equal("passkey_failed", refused.GetProperty("code").GetString());
        }
        var missing = await (await browser.PostAsJsonAsync("/auth/passkeys/login", new { ceremonyId })).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("passkey_credential_required", missing.GetProperty("codes").GetProperty("credential")[0].GetString());
        var unknown = await (await browser.PasskeyLoginAsync("no-such-ceremony", "{}")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("ceremony_invalid", unknown.GetProperty("code").GetString());
        var notJson = await browser.PostAsync("/auth/passkeys/login", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal("application/problem+json", notJson.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_passkey_endpoints_for_the_signed_in_refuse_anyone_else()
    {
        var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/auth/passkeys/register/options", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/auth/passkeys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/auth/passkeys/reauthenticate/options", null)).StatusCode);
    }

    [Fact]
    public async Task A_passkey_sign_in_from_another_site_is_refused_by_the_csrf_defence()
    {
        var browser = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/passkeys/login/options");
        request.Headers.Remove("Origin");
        request.Headers.Add("Origin", "https://evil.example");
        var refused = await (await browser.SendAsync(request)).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("csrf_refused", refused.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_every_passkey_endpoint_and_its_failures()
    {
        using var document = System.Text.Json.JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/auth/passkeys/register/options", "post"), ("/auth/passkeys/register", "post"), ("/auth/passkeys", "get"),
            ("/auth/passkeys/{id}", "patch"), ("/auth/passkeys/{id}", "delete"), ("/auth/passkeys/login/options", "post"),
            ("/auth/passkeys/login", "post"), ("/auth/passkeys/reauthenticate/options", "post"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} is missing from the OpenAPI document");
        }
        var login = paths.GetProperty("/auth/passkeys/login").GetProperty("post").GetProperty("responses");
        Assert.True(login.TryGetProperty("400", out _) && login.TryGetProperty("401", out _));
    }

    [Fact]
    public async Task Step_up_options_name_the_users_passkeys_and_need_one()
    {
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        var none = await (await client.PostAsync("/auth/passkeys/reauthenticate/options", null)).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("passkey_not_found", none.GetProperty("code").GetString());

        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);
        var (_, options) = await client.OptionsAsync("/auth/passkeys/reauthenticate/options");
        Assert.Equal(authenticator.Id, Assert.Single(options.GetProperty("allowCredentials").EnumerateArray()).GetProperty("id").GetString());
    }
}
