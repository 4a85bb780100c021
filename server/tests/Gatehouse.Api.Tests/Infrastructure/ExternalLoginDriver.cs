using System.Net;
using Gatehouse.DevIdentityProvider;
using Microsoft.AspNetCore.WebUtilities;
using IdentityProvider = Gatehouse.DevIdentityProvider.DevIdentityProvider;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// The local identity provider (tools/Gatehouse.DevIdentityProvider) on loopback, started once per test
/// class. Tests give each person a subject of their own, so they never meet another test's accounts.
/// </summary>
public sealed class LocalProviderFixture : IAsyncLifetime
{
    public IdentityProvider Provider { get; private set; } = null!;

    public async Task InitializeAsync() => Provider = await IdentityProvider.StartAsync(new DevIdentityProviderOptions { Port = 0 });

    public async Task DisposeAsync() => await Provider.DisposeAsync();
}

/// <summary>Who the provider's page signs in as: the <c>dev_*</c> answer the driver appends to the authorization URL.</summary>
public sealed record ExternalPerson(string Email, string Subject, bool EmailVerified = true, bool Mfa = false, string? Name = null)
{
    /// <summary>A person no other test knows, at an address no account has yet.</summary>
    public static ExternalPerson New(string prefix = "ext", bool emailVerified = true, bool mfa = false)
    {
        var id = Guid.NewGuid().ToString("N")[..12];
        return new ExternalPerson($"{prefix}.{id}@example.com", $"{prefix}-{id}", emailVerified, mfa);
    }

    public string Answer() =>
        $"dev_action=custom&dev_email={Uri.EscapeDataString(Email)}&dev_subject={Uri.EscapeDataString(Subject)}"
        + $"&dev_email_verified={(EmailVerified ? "true" : "false")}&dev_mfa={(Mfa ? "true" : "false")}"
        + (Name is null ? "" : $"&dev_name={Uri.EscapeDataString(Name)}");
}

/// <summary>
/// Plays the browser through an external sign-in: <c>start</c> on the factory's client (its cookie jar
/// keeps the correlation and nonce cookies), the provider's authorization step over real HTTP on
/// loopback, and the callback back on the factory's client. Every hop is a 302 the test can inspect.
/// </summary>
public sealed class ExternalLoginDriver(HttpClient browser)
{
    private static readonly HttpClient ToProvider = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });

    public HttpClient Browser { get; } = browser;

    /// <summary>Settings for the factory: the provider as <c>local</c> (OIDC) and its GitHub fake as <c>github</c>.</summary>
    public static GatehouseFactory Configure(GatehouseFactory factory, IdentityProvider provider) => factory
        .With("Gatehouse:SeedDemoUser", "false") // tests count the accounts a sign-in made
        .With("Gatehouse:ExternalLogins:Providers:local:DisplayName", "Local provider")
        .With("Gatehouse:ExternalLogins:Providers:local:Authority", provider.Issuer)
        .With("Gatehouse:ExternalLogins:Providers:local:ClientId", provider.ClientId)
        .With("Gatehouse:ExternalLogins:Providers:local:ClientSecret", provider.ClientSecret)
        .With("Gatehouse:ExternalLogins:Providers:github:Type", "github")
        .With("Gatehouse:ExternalLogins:Providers:github:DisplayName", "GitHub")
        .With("Gatehouse:ExternalLogins:Providers:github:ClientId", provider.ClientId)
        .With("Gatehouse:ExternalLogins:Providers:github:ClientSecret", provider.ClientSecret)
        .With("Gatehouse:ExternalLogins:Providers:github:AuthorizationEndpoint", provider.GitHubAuthorizationEndpoint)
        .With("Gatehouse:ExternalLogins:Providers:github:TokenEndpoint", provider.GitHubTokenEndpoint)
        .With("Gatehouse:ExternalLogins:Providers:github:ApiBaseUrl", provider.GitHubApiBase);

    /// <summary><c>GET {path}</c> on the API (a start URL): the 302 to the provider's authorization endpoint.</summary>
    public async Task<Uri> StartAsync(string path, IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }
        var response = await Browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>The provider's step: the person answers (<see cref="ExternalPerson.Answer"/> or <c>dev_action=deny</c>); the 302 back to the redirect URI.</summary>
    public static async Task<Uri> AuthorizeAsync(Uri authorization, string answer)
    {
        var response = await ToProvider.GetAsync(authorization + "&" + answer);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"The provider answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    /// <summary>
    /// The browser arriving at the redirect URI. In same-origin mode that is the web app's
    /// <c>/api/auth/…</c>, which its route forwards as <c>/auth/…</c> with the web origin header.
    /// </summary>
    public async Task<HttpResponseMessage> CallbackAsync(Uri redirect, HttpClient? browser = null)
    {
        var path = redirect.PathAndQuery;
        using var request = new HttpRequestMessage(HttpMethod.Get, path.StartsWith("/api/", StringComparison.Ordinal) ? path["/api".Length..] : path);
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            request.Headers.Add("X-Gatehouse-Web-Origin", redirect.GetLeftPart(UriPartial.Authority));
        }
        return await (browser ?? Browser).SendAsync(request);
    }

    /// <summary>start → the provider → callback, for <paramref name="person"/>: the callback's answer (a 302 to the web app).</summary>
    public async Task<HttpResponseMessage> SignInAsync(ExternalPerson person, string provider = "local", string next = "/dashboard")
    {
        var authorization = await StartAsync($"/auth/external/{provider}/start?next={Uri.EscapeDataString(next)}");
        return await CallbackAsync(await AuthorizeAsync(authorization, person.Answer()));
    }

    /// <summary>The query of a URL as a dictionary (the last of each name).</summary>
    public static Dictionary<string, string> Query(Uri uri) =>
        QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
}
