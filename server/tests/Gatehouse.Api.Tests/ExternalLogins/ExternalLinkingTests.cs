using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Mfa;

namespace Gatehouse.Api.Tests.ExternalLogins;

/// <summary>
/// The linking rule: a provider's verified address that is an existing account's never joins it
/// silently; the person signs in to that account first. And linking while signed in, and unlinking.
/// </summary>
public sealed class ExternalLinkingTests(LocalProviderFixture fixture) : IClassFixture<LocalProviderFixture>
{
    private GatehouseFactory NewFactory() => ExternalLoginDriver.Configure(new GatehouseFactory(), fixture.Provider);

    [Fact]
    public async Task A_verified_address_of_an_existing_account_asks_to_sign_in_and_links_only_after_it()
    {
        using var factory = NewFactory();
        var browser = new ExternalLoginDriver(factory.CreateClient());
        var username = TestApi.NewUsername("owner");
        Assert.Equal(HttpStatusCode.Created, (await browser.Browser.RegisterAsync(username)).StatusCode);
        var person = new ExternalPerson(TestApi.EmailFor(username), "owner-" + Guid.NewGuid().ToString("N"));

        var callback = await browser.SignInAsync(person, next: "/dashboard/security");

        // No session, no link: a page that asks to sign in, and a pending link bound to this browser.
        Assert.Equal("http://localhost:3000/auth/link-account?next=%2Fdashboard%2Fsecurity", callback.Headers.Location!.ToString());
        Assert.Null(TestApi.AccessTokenCookie(callback));
        Assert.Equal(0, factory.Query(db => db.UserLogins.Count()));
        var pending = await (await browser.Browser.GetAsync("/auth/external/pending-link")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal($$"""{"provider":"local","displayName":"Local provider","email":"{{username[0]}}***@example.com"}""", pending.GetRawText());

        Assert.Equal(HttpStatusCode.OK, (await browser.Browser.LoginAsync(username)).StatusCode);
        var linked = await browser.Browser.PostAsJsonAsync("/auth/external/pending-link", new { });

        Assert.Equal("""{"provider":"local"}""", (await linked.JsonAsync(HttpStatusCode.OK)).GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Browser.GetAsync("/auth/external/pending-link")).StatusCode);
        // From now on the provider signs in to that account, in any browser.
        var again = new ExternalLoginDriver(factory.CreateClient());
        Assert.Equal("http://localhost:3000/dashboard", (await again.SignInAsync(person)).Headers.Location!.ToString());
        Assert.Equal(username, (await (await again.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK)).GetProperty("username").GetString());
        Assert.Equal(1, factory.Query(db => db.Users.Count()));
    }

    [Fact]
    public async Task A_pending_link_is_refused_to_any_other_account_than_the_matched_one()
    {
        using var factory = NewFactory();
        var owner = TestApi.NewUsername("owner");
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().RegisterAsync(owner)).StatusCode);
        var browser = new ExternalLoginDriver(factory.CreateClient());
        await browser.SignInAsync(new ExternalPerson(TestApi.EmailFor(owner), "victim-" + Guid.NewGuid().ToString("N")));

        // Someone signs in to another account of theirs in that browser and tries to collect the login.
        await browser.Browser.SignUpAndLogInAsync();
        var response = await browser.Browser.PostAsJsonAsync("/auth/external/pending-link", new { });

        Assert.Equal("link_account_mismatch", (await response.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        Assert.Equal(0, factory.Query(db => db.UserLogins.Count()));
    }

    [Fact]
    public async Task An_unverified_address_of_an_existing_account_never_links_or_signs_in_to_it()
    {
        using var factory = NewFactory();
        var owner = TestApi.NewUsername("owner");
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().RegisterAsync(owner)).StatusCode);
        var browser = new ExternalLoginDriver(factory.CreateClient());

        var callback = await browser.SignInAsync(new ExternalPerson(TestApi.EmailFor(owner), "squatter-" + Guid.NewGuid().ToString("N"), EmailVerified: false));

        Assert.Equal("http://localhost:3000/auth/external-error?reason=email_unverified&provider=local", callback.Headers.Location!.ToString());
        Assert.Null(TestApi.Cookie(callback, "external_link"));
        Assert.Equal(0, factory.Query(db => db.UserLogins.Count()));
    }

    [Fact]
    public async Task A_pending_link_can_be_cancelled_and_then_is_gone()
    {
        using var factory = NewFactory();
        var owner = TestApi.NewUsername("owner");
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().RegisterAsync(owner)).StatusCode);
        var browser = new ExternalLoginDriver(factory.CreateClient());
        await browser.SignInAsync(new ExternalPerson(TestApi.EmailFor(owner), "cancel-" + Guid.NewGuid().ToString("N")));

        Assert.Equal(HttpStatusCode.NoContent, (await browser.Browser.DeleteAsync("/auth/external/pending-link")).StatusCode);

        var body = await (await browser.Browser.GetAsync("/auth/external/pending-link")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("link_pending_invalid", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_signed_in_user_links_a_provider_through_a_single_use_intent_and_sees_it_listed()
    {
        using var factory = NewFactory();
        var driver = new ExternalLoginDriver(factory.CreateClient());
        var (username, _) = await driver.Browser.SignUpAndLogInAsync();

        var intent = await driver.Browser.PostAsJsonAsync("/auth/external/local/link", new { next = "/dashboard/security" });
        var url = (await intent.JsonAsync(HttpStatusCode.OK)).GetProperty("url").GetString()!;
        Assert.StartsWith("/auth/external/local/start?link=", url);
        var person = ExternalPerson.New("linked");
        var callback = await driver.CallbackAsync(await ExternalLoginDriver.AuthorizeAsync(await driver.StartAsync(url), person.Answer()));

        Assert.Equal("http://localhost:3000/dashboard/security", callback.Headers.Location!.ToString());
        var logins = await (await driver.Browser.GetAsync("/auth/external/logins")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal($$"""{"logins":[{"provider":"local","displayName":"Local provider","name":"{{person.Email}}"}],"hasPassword":true,"passkeyCount":0}""", logins.GetRawText());
        // The intent was single-use, and a second link of the same provider is refused.
        Assert.Equal("http://localhost:3000/auth/external-error?reason=expired&provider=local", (await driver.Browser.GetAsync(url)).Headers.Location!.ToString());
        var twice = await driver.Browser.PostAsJsonAsync("/auth/external/local/link", new { next = "/dashboard" });
        Assert.Equal("external_login_exists", (await twice.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
        // And the provider now signs in to this account.
        var again = new ExternalLoginDriver(factory.CreateClient());
        await again.SignInAsync(person);
        Assert.Equal(username, (await (await again.Browser.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK)).GetProperty("username").GetString());
    }

    [Fact]
    public async Task A_link_url_opened_in_another_browser_links_nothing()
    {
        using var factory = NewFactory();
        var owner = new ExternalLoginDriver(factory.CreateClient());
        await owner.Browser.SignUpAndLogInAsync();
        var url = (await (await owner.Browser.PostAsJsonAsync("/auth/external/local/link", new { })).JsonAsync(HttpStatusCode.OK)).GetProperty("url").GetString()!;

        // The URL sent to someone else: their provider login must not land in the sender's account.
        var other = new ExternalLoginDriver(factory.CreateClient());
        var callback = await other.CallbackAsync(await ExternalLoginDriver.AuthorizeAsync(await other.StartAsync(url), ExternalPerson.New().Answer()));

        Assert.Equal("http://localhost:3000/auth/external-error?reason=expired&provider=local", callback.Headers.Location!.ToString());
        Assert.Equal(0, factory.Query(db => db.UserLogins.Count()));
    }

    [Fact]
    public async Task Linking_needs_a_recent_authentication()
    {
        using var factory = NewFactory();
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        factory.Time.Advance(TimeSpan.FromMinutes(11));
        await client.PostAsync("/auth/refresh", null);

        var response = await client.PostAsJsonAsync("/auth/external/local/link", new { });

        Assert.Equal("reauthentication_required", (await response.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_last_way_in_cannot_be_unlinked_but_a_login_beside_a_password_can()
    {
        using var factory = NewFactory();
        var onlyExternal = new ExternalLoginDriver(factory.CreateClient());
        await onlyExternal.SignInAsync(ExternalPerson.New());

        var refused = await onlyExternal.Browser.DeleteAsync("/auth/external/logins/local");
        Assert.Equal("last_sign_in_method", (await refused.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());

        var withPassword = new ExternalLoginDriver(factory.CreateClient());
        await withPassword.Browser.SignUpAndLogInAsync();
        var url = (await (await withPassword.Browser.PostAsJsonAsync("/auth/external/local/link", new { })).JsonAsync(HttpStatusCode.OK)).GetProperty("url").GetString()!;
        await withPassword.CallbackAsync(await ExternalLoginDriver.AuthorizeAsync(await withPassword.StartAsync(url), ExternalPerson.New().Answer()));
        Assert.Equal(HttpStatusCode.NoContent, (await withPassword.Browser.DeleteAsync("/auth/external/logins/local")).StatusCode);

        var gone = await withPassword.Browser.DeleteAsync("/auth/external/logins/local");
        Assert.Equal("external_login_not_found", (await gone.ProblemAsync(HttpStatusCode.NotFound)).GetProperty("code").GetString());
        Assert.Equal(["external_login_unlinked:last_sign_in_method", "external_login_unlinked:success"], factory.Query(db => db.AuditEvents
            .Where(e => e.Event == "external_login_unlinked").OrderBy(e => e.Id).Select(e => e.Event + ":" + e.Outcome).ToList()));
    }

    [Fact]
    public async Task A_pending_link_with_a_second_factor_links_only_after_the_code()
    {
        using var factory = NewFactory();
        var (username, key) = await factory.SignUpWithTotpAsync();
        var browser = new ExternalLoginDriver(factory.CreateClient());
        var person = new ExternalPerson(TestApi.EmailFor(username), "mfa-" + Guid.NewGuid().ToString("N"));
        await browser.SignInAsync(person);

        // The password alone is not a session, so not enough to link.
        Assert.Equal(HttpStatusCode.OK, (await browser.Browser.LoginAsync(username)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Browser.PostAsJsonAsync("/auth/external/pending-link", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Browser.CodeAsync(factory.Code(key))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await browser.Browser.PostAsJsonAsync("/auth/external/pending-link", new { })).StatusCode);
        Assert.Equal(1, factory.Query(db => db.UserLogins.Count()));
    }
}
