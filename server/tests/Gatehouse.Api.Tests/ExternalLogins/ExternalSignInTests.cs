using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Mfa;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.ExternalLogins;

/// <summary>Signing in with the local OpenID Connect provider and its GitHub fake, over real HTTP on loopback.</summary>
public sealed class ExternalSignInTests(LocalProviderFixture fixture) : IClassFixture<LocalProviderFixture>
{
    private GatehouseFactory NewFactory() => ExternalLoginDriver.Configure(new GatehouseFactory(), fixture.Provider);

    [Fact]
    public async Task The_provider_list_names_each_configured_provider_and_may_be_cached()
    {
        using var factory = NewFactory();
        var response = await factory.CreateClient().GetAsync("/auth/external");

        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("public, max-age=60", response.Headers.CacheControl?.ToString());
        Assert.Equal(
            """{"providers":[{"id":"github","displayName":"GitHub","type":"github"},{"id":"local","displayName":"Local provider","type":"oidc"}]}""",
            body.GetRawText());
    }

    [Fact]
    public async Task A_new_person_gets_an_account_with_the_verified_address_marked_verified_and_a_session_whose_amr_is_fed()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var person = ExternalPerson.New("newbie");

        var authorization = await driver.StartAsync("/auth/external/local/start?next=%2Fdashboard%2Fsecurity");
        // PKCE, state and nonce, the code flow answered in the query, to the API's own callback (direct mode).
        var asked = ExternalLoginDriver.Query(authorization);
        Assert.StartsWith(fixture.Provider.Issuer, authorization.ToString());
        Assert.Equal("code", asked["response_type"]);
        // The answer in the query (the handler leaves out response_mode=query, the code flow's default), never form_post.
        Assert.Equal("query", asked.GetValueOrDefault("response_mode", "query"));
        Assert.Equal("S256", asked["code_challenge_method"]);
        Assert.True(asked.ContainsKey("state") && asked.ContainsKey("nonce"));
        Assert.Equal("https://localhost/auth/external/local/callback", asked["redirect_uri"]);
        var callback = await driver.CallbackAsync(await ExternalLoginDriver.AuthorizeAsync(authorization, person.Answer()));

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("http://localhost:3000/dashboard/security", callback.Headers.Location!.ToString());
        var access = TestApi.AccessTokenCookie(callback)!.Value.ToString();
        Assert.Equal(["fed"], SecondFactorSignInApi.Amr(access));
        var me = await (await driver.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(person.Email, me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
        // The username comes from the profile: the address's local part, made valid.
        Assert.Equal(person.Email.Split('@')[0], me.GetProperty("username").GetString());
        // No password: the provider is the way in.
        var logins = await (await driver.Browser.GetAsync("/auth/external/logins")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal($$"""{"logins":[{"provider":"local","displayName":"Local provider","name":"{{person.Email}}"}],"hasPassword":false,"passkeyCount":0}""", logins.GetRawText());
        Assert.Equal(["register:success", "sign_in:success", "external_sign_in:success"], factory.Query(db => db.AuditEvents
            .Where(e => e.Event == "register" || e.Event == "sign_in" || e.Event == "external_sign_in").OrderBy(e => e.Id).Select(e => e.Event + ":" + e.Outcome).ToList()));
    }

    [Fact]
    public async Task The_provider_tokens_are_not_stored_by_default_and_never_reach_the_browser()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());

        var callback = await driver.SignInAsync(ExternalPerson.New());

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal(0, factory.Query(db => db.UserTokens.Count()));
        // Only Gatehouse's own cookies: the session's, the device's, and the deleted correlation and nonce cookies.
        var set = callback.Headers.GetValues("Set-Cookie").ToList();
        Assert.All(set.Where(c => c.StartsWith(".AspNetCore.", StringComparison.Ordinal)), c => Assert.Contains("expires=Thu, 01 Jan 1970", c));
        Assert.DoesNotContain(set, c => c.Contains("id_token", StringComparison.OrdinalIgnoreCase) || c.Contains("eyJ", StringComparison.Ordinal) && !c.StartsWith("access_token", StringComparison.Ordinal));
        Assert.Empty(await callback.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Tokens_are_kept_only_when_the_provider_settings_ask()
    {
        using var factory = NewFactory().With("Gatehouse:ExternalLogins:Providers:local:SaveTokens", "true");
        var driver = new ExternalLoginDriver(factory.CreateClient());

        await driver.SignInAsync(ExternalPerson.New());

        Assert.Contains("access_token", factory.Query(db => db.UserTokens.Where(t => t.LoginProvider == "local").Select(t => t.Name).ToList()));
    }

    [Fact]
    public async Task The_same_login_signs_in_to_the_same_account_again()
    {
        using var factory = NewFactory();
        var person = ExternalPerson.New();
        var first = new ExternalLoginDriver(factory.CreateClient());
        await first.SignInAsync(person);
        var firstId = (await (await first.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK)).GetProperty("userId").GetString();

        var second = new ExternalLoginDriver(factory.CreateClient());
        var callback = await second.SignInAsync(person);

        Assert.Equal("http://localhost:3000/dashboard", callback.Headers.Location!.ToString());
        Assert.Equal(firstId, (await (await second.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK)).GetProperty("userId").GetString());
        Assert.Equal(1, factory.Query(db => db.Users.Count()));
    }

    [Fact]
    public async Task Two_people_whose_names_make_the_same_username_get_different_ones()
    {
        using var factory = NewFactory();
        var stem = "twin" + Guid.NewGuid().ToString("N")[..8];
        var one = new ExternalPerson($"{stem}@one.example.com", "one-" + stem);
        var two = new ExternalPerson($"{stem}@two.example.com", "two-" + stem);

        await new ExternalLoginDriver(factory.CreateClient()).SignInAsync(one);
        await new ExternalLoginDriver(factory.CreateClient()).SignInAsync(two);

        Assert.Equal([stem, stem + "-2"], factory.Query(db => db.Users.Select(u => u.UserName!).ToList()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Same_origin_mode_returns_through_the_web_apps_api_route_to_the_web_origin_it_came_from()
    {
        using var factory = NewFactory().With("Gatehouse:Cors:Origins", $"{GatehouseFactory.Origin},http://localhost:3000,http://127.0.0.1:3100");
        var driver = new ExternalLoginDriver(factory.CreateClient());

        var authorization = await driver.StartAsync("/auth/external/local/start?next=%2Fdashboard",
            new Dictionary<string, string> { ["X-Gatehouse-Web-Origin"] = "http://127.0.0.1:3100" });
        Assert.Equal("http://127.0.0.1:3100/api/auth/external/local/callback", ExternalLoginDriver.Query(authorization)["redirect_uri"]);
        var callback = await driver.CallbackAsync(await ExternalLoginDriver.AuthorizeAsync(authorization, ExternalPerson.New().Answer()));

        Assert.Equal("http://127.0.0.1:3100/dashboard", callback.Headers.Location!.ToString());
        Assert.NotNull(TestApi.AccessTokenCookie(callback));
    }

    [Fact]
    public async Task A_web_origin_header_naming_an_origin_not_configured_is_ignored()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());

        var authorization = await driver.StartAsync("/auth/external/local/start",
            new Dictionary<string, string> { ["X-Gatehouse-Web-Origin"] = "https://evil.example" });

        Assert.Equal("https://localhost/auth/external/local/callback", ExternalLoginDriver.Query(authorization)["redirect_uri"]);
    }

    [Theory]
    [InlineData("https://evil.example/x")]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example")]
    public async Task A_next_that_leaves_the_web_app_becomes_the_dashboard(string next)
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());

        var callback = await driver.SignInAsync(ExternalPerson.New(), next: next);

        Assert.Equal("http://localhost:3000/dashboard", callback.Headers.Location!.ToString());
    }

    [Fact]
    public async Task An_account_with_a_second_factor_must_still_pass_it_after_an_external_sign_in()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var person = ExternalPerson.New();
        await driver.SignInAsync(person);
        var username = (await (await driver.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK)).GetProperty("username").GetString()!;
        var key = await factory.EnrollAsync(username);

        var browser = new ExternalLoginDriver(factory.CreateClient());
        var callback = await browser.SignInAsync(person, next: "/dashboard/security");

        Assert.Equal("http://localhost:3000/auth/login?mfa=1&next=%2Fdashboard%2Fsecurity", callback.Headers.Location!.ToString());
        Assert.Null(TestApi.AccessTokenCookie(callback));
        Assert.NotNull(SecondFactorSignInApi.PendingCookie(callback));
        var methods = await (await browser.Browser.GetAsync("/auth/login/mfa")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("""{"mfaRequired":true,"methods":["totp"]}""", methods.GetRawText());
        var finish = await browser.Browser.CodeAsync(factory.Code(key));
        Assert.Equal(HttpStatusCode.OK, finish.StatusCode);
        Assert.Equal(["fed", "otp", "mfa"], SecondFactorSignInApi.Amr(TestApi.AccessTokenCookie(finish)!.Value.ToString()));
    }

    [Fact]
    public async Task The_second_factor_step_answers_401_without_a_pending_sign_in()
    {
        using var factory = NewFactory();

        var body = await (await factory.CreateClient().GetAsync("/auth/login/mfa")).ProblemAsync(HttpStatusCode.Unauthorized);

        Assert.Equal("mfa_pending_invalid", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(true, true, "fed mfa")]
    [InlineData(true, false, null)]
    [InlineData(false, true, null)]
    public async Task The_providers_mfa_replaces_the_second_factor_only_when_trusted_and_asserted(bool trusted, bool asserted, string? amr)
    {
        using var factory = NewFactory().With("Gatehouse:ExternalLogins:Providers:local:TrustProviderMfa", trusted ? "true" : "false");
        var person = ExternalPerson.New(mfa: asserted);
        var first = new ExternalLoginDriver(factory.CreateClient());
        await first.SignInAsync(person);
        var username = (await (await first.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK)).GetProperty("username").GetString()!;
        await factory.EnrollAsync(username);

        var callback = await new ExternalLoginDriver(factory.CreateClient()).SignInAsync(person);

        if (amr is null)
        {
            Assert.StartsWith("http://localhost:3000/auth/login?mfa=1", callback.Headers.Location!.ToString());
            Assert.Null(TestApi.AccessTokenCookie(callback));
        }
        else
        {
            Assert.Equal("http://localhost:3000/dashboard", callback.Headers.Location!.ToString());
            Assert.Equal(amr.Split(' '), SecondFactorSignInApi.Amr(TestApi.AccessTokenCookie(callback)!.Value.ToString()));
        }
    }

    [Fact]
    public async Task A_disabled_account_is_refused_with_the_disabled_page()
    {
        using var factory = NewFactory();
        var person = ExternalPerson.New();
        await new ExternalLoginDriver(factory.CreateClient()).SignInAsync(person);
        await factory.QueryAsync(db => db.Users.ExecuteUpdateAsync(set => set.SetProperty(u => u.DisabledAt, DateTime.UtcNow)));

        var callback = await new ExternalLoginDriver(factory.CreateClient()).SignInAsync(person);

        Assert.Equal("http://localhost:3000/auth/external-error?reason=disabled&provider=local", callback.Headers.Location!.ToString());
        Assert.Null(TestApi.AccessTokenCookie(callback));
    }

    [Fact]
    public async Task GitHub_signs_in_with_its_verified_primary_address_and_login()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var person = ExternalPerson.New("octo");

        var callback = await driver.SignInAsync(person, provider: "github");

        Assert.Equal("http://localhost:3000/dashboard", callback.Headers.Location!.ToString());
        var me = await (await driver.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(person.Email, me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
        Assert.Equal(person.Email.Split('@')[0], me.GetProperty("username").GetString());
        Assert.Equal(["fed"], SecondFactorSignInApi.Amr(TestApi.AccessTokenCookie(callback)!.Value.ToString()));
    }

    [Fact]
    public async Task GitHub_without_a_verified_primary_address_is_refused_while_sign_up_requires_an_address()
    {
        using var factory = NewFactory();
        fixture.Provider.Knobs.GitHubNoVerifiedPrimaryEmail = true;
        try
        {
            var callback = await new ExternalLoginDriver(factory.CreateClient()).SignInAsync(ExternalPerson.New(), provider: "github");

            Assert.Equal("http://localhost:3000/auth/external-error?reason=email_unverified&provider=github", callback.Headers.Location!.ToString());
            Assert.Equal(0, factory.Query(db => db.Users.Count()));
        }
        finally
        {
            fixture.Provider.Knobs.Reset();
        }
    }

    [Fact]
    public async Task Without_a_verified_address_and_with_addresses_optional_the_account_has_no_address()
    {
        using var factory = NewFactory().With("Gatehouse:Accounts:RequireEmail", "false");
        var driver = new ExternalLoginDriver(factory.CreateClient());

        var callback = await driver.SignInAsync(ExternalPerson.New(emailVerified: false));

        Assert.Equal("http://localhost:3000/dashboard", callback.Headers.Location!.ToString());
        var me = await (await driver.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, me.GetProperty("email").ValueKind);
    }
}
