using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gatehouse.DevIdentityProvider.Tests;

/// <summary>
/// ASP.NET Core's own OpenIdConnect handler, set up as Gatehouse's API sets it up over plain http
/// (code + PKCE, response_mode=query, Lax correlation and nonce cookies), signs in through the
/// provider, and refuses its wrong nonce: the provider speaks what the real client expects.
/// </summary>
public class OpenIdConnectHandlerTests : IAsyncLifetime
{
    private DevIdentityProvider _idp = null!;
    private WebApplication _app = null!;
    private HttpClient _browser = null!;
    private string _appUrl = null!;

    public async Task InitializeAsync()
    {
        _idp = await DevIdentityProvider.StartAsync(new DevIdentityProviderOptions { Port = 0 });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie()
            .AddOpenIdConnect("local", options =>
            {
                options.Authority = _idp.Issuer;
                options.RequireHttpsMetadata = false;
                options.ClientId = _idp.ClientId;
                options.ClientSecret = _idp.ClientSecret;
                options.ResponseType = "code";
                options.ResponseMode = "query";
                options.UsePkce = true;
                options.CallbackPath = "/auth/external/local/callback";
                options.Scope.Add("email");
                options.MapInboundClaims = false;
                options.GetClaimsFromUserInfoEndpoint = true;
                // Over http the default (SameSite=None, Secure) cookies would never come back.
                options.CorrelationCookie.SameSite = options.NonceCookie.SameSite = SameSiteMode.Lax;
                options.CorrelationCookie.SecurePolicy = options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.Events.OnRemoteFailure = context =>
                {
                    context.Response.Redirect("/failed?reason=" + Uri.EscapeDataString(context.Failure?.Message ?? ""));
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        _app = builder.Build();
        _app.MapGet("/login", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/me" }, ["local"]));
        _app.MapGet("/me", (ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true
            ? Results.Json(new
            {
                sub = user.FindFirstValue("sub"),
                email = user.FindFirstValue("email"),
                emailVerified = user.FindFirstValue("email_verified"),
                amr = user.FindAll("amr").Select(c => c.Value).ToArray(),
            })
            : Results.Unauthorized());
        await _app.StartAsync();
        _appUrl = _app.Urls.First();
        _browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });
    }

    public async Task DisposeAsync()
    {
        _browser.Dispose();
        await _app.DisposeAsync();
        await _idp.DisposeAsync();
    }

    [Fact]
    public async Task The_handler_signs_in_through_the_provider_and_reads_its_claims()
    {
        _idp.Knobs.SignInAs = DevUser.Carol;

        var landing = await SignInAsync();

        Assert.Equal("/me", landing.OriginalString);
        var me = await _browser.GetFromJsonAsync<JsonElement>($"{_appUrl}/me");
        Assert.Equal("carol", me.GetProperty("sub").GetString());
        Assert.Equal("carol@example.com", me.GetProperty("email").GetString());
        Assert.Equal("true", me.GetProperty("emailVerified").GetString());
        Assert.Equal(["pwd", "mfa"], me.GetProperty("amr").EnumerateArray().Select(a => a.GetString()!).ToArray());
    }

    [Fact]
    public async Task The_handler_refuses_the_wrong_nonce()
    {
        _idp.Knobs.SignInAs = DevUser.Alice;
        _idp.Knobs.WrongNonce = true;

        var landing = await SignInAsync();

        Assert.StartsWith("/failed?reason=", landing.OriginalString);
        Assert.Contains("nonce", Uri.UnescapeDataString(landing.OriginalString), StringComparison.OrdinalIgnoreCase);
        using var me = await _browser.GetAsync($"{_appUrl}/me");
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task The_handler_reports_a_denial_as_access_denied()
    {
        _idp.Knobs.Deny = true;

        var landing = await SignInAsync();

        Assert.StartsWith("/failed?reason=", landing.OriginalString);
        Assert.Contains("access_denied", Uri.UnescapeDataString(landing.OriginalString));
    }

    /// <summary>The browser's part: to the provider, back to the callback; where the app sends it then.</summary>
    private async Task<Uri> SignInAsync()
    {
        using var login = await _browser.GetAsync($"{_appUrl}/login");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var authorize = login.Headers.Location!;
        Assert.StartsWith($"{_idp.Issuer}connect/authorize?", authorize.ToString());
        Assert.Contains("code_challenge_method=S256", authorize.Query);

        using var answer = await _browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var callback = answer.Headers.Location!;
        Assert.StartsWith($"{_appUrl}/auth/external/local/callback?", callback.ToString());

        using var back = await _browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        return back.Headers.Location!;
    }
}
