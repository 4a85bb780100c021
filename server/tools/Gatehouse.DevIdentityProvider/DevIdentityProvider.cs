using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace Gatehouse.DevIdentityProvider;

/// <summary>
/// A running local identity provider, FOR DEVELOPMENT AND TESTS ONLY: an OpenID Connect provider (issuer
/// <see cref="Issuer"/>) and a GitHub-shaped OAuth 2 fake under <c>/github/</c>, on 127.0.0.1. The console
/// program (./run.sh, e2e) and xunit tests both start it through <see cref="StartAsync"/>:
/// <code>
/// await using var idp = await DevIdentityProvider.StartAsync(new DevIdentityProviderOptions { Port = 0 });
/// // Gatehouse:ExternalLogins:Providers:local:Authority = idp.Issuer, ClientId = idp.ClientId, ClientSecret = idp.ClientSecret
/// idp.Knobs.SignInAs = DevUser.Alice;   // the authorize step answers by itself: 302 back with a code
/// </code>
/// A test completes the browser step in one of three ways, none of which reads HTML:
/// set <see cref="DevIdentityProviderKnobs.SignInAs"/> (or <see cref="DevIdentityProviderKnobs.Deny"/>)
/// and GET the authorization URL, which then redirects at once; or append <c>&amp;dev_user=alice@example.com</c>
/// (or <c>&amp;dev_action=deny</c>, or <c>&amp;dev_action=custom&amp;dev_email=…</c>) to that URL; or POST
/// the same fields, with the original request's parameters, as the page's buttons do.
/// </summary>
public sealed class DevIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DevIdentityProvider(WebApplication app, DevIdentityProviderOptions options, DevIdentityProviderKnobs knobs, int port)
    {
        _app = app;
        Options = options;
        Knobs = knobs;
        Port = port;
    }

    /// <summary>The options it runs with (the users it offers, its client).</summary>
    public DevIdentityProviderOptions Options { get; }

    /// <summary>Switches a test flips for misbehaviour; see <see cref="DevIdentityProviderKnobs"/>.</summary>
    public DevIdentityProviderKnobs Knobs { get; }

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The OpenID Connect issuer and authority, <c>http://127.0.0.1:{port}/</c> (discovery below it).</summary>
    public string Issuer => $"http://127.0.0.1:{Port}/";

    public string ClientId => Options.ClientId;

    public string ClientSecret => Options.ClientSecret;

    /// <summary>The GitHub fake's github.com side: <c>{Issuer}github/login/oauth/authorize</c>.</summary>
    public string GitHubAuthorizationEndpoint => Issuer + GitHubEndpoints.AuthorizePath[1..];

    /// <summary><c>{Issuer}github/login/oauth/access_token</c>.</summary>
    public string GitHubTokenEndpoint => Issuer + GitHubEndpoints.TokenPath[1..];

    /// <summary>The GitHub fake's api.github.com side: <c>{Issuer}github/api/user</c>.</summary>
    public string GitHubUserEndpoint => Issuer + GitHubEndpoints.UserPath[1..];

    /// <summary><c>{Issuer}github/api/user/emails</c>.</summary>
    public string GitHubEmailsEndpoint => Issuer + GitHubEndpoints.EmailsPath[1..];

    /// <summary>The base that stands for https://api.github.com/ : <c>{Issuer}github/api/</c>.</summary>
    public string GitHubApiBase => Issuer + "github/api/";

    /// <summary>
    /// Starts it on 127.0.0.1 (<see cref="DevIdentityProviderOptions.Port"/>; 0 picks a free port).
    /// Throws <see cref="OptionsValidationException"/> for bad options and <see cref="IOException"/> when the port is taken.
    /// </summary>
    public static async Task<DevIdentityProvider> StartAsync(DevIdentityProviderOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DevIdentityProviderOptions();
        if (OptionsCheck.Problems(options) is { Count: > 0 } problems)
        {
            throw new OptionsValidationException(DevIdentityProviderOptions.Section, typeof(DevIdentityProviderOptions), problems);
        }
        var knobs = new DevIdentityProviderKnobs();
        var app = Build(options, knobs);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        // The issuer names the port Kestrel took; it is read per request, and none has come yet.
        app.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.Issuer = new Uri($"http://127.0.0.1:{port}/");
        return new DevIdentityProvider(app, options, knobs, port);
    }

    /// <summary>Until the process is asked to stop (SIGTERM, Ctrl-C).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static WebApplication Build(DevIdentityProviderOptions options, DevIdentityProviderKnobs knobs)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed start (a port in use) is told in one line by Program.cs, not as a logged stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(knobs);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GitHubGrants>();
        builder.Services.AddOidcProvider(options);
        // Loopback only, whatever ASPNETCORE_URLS or HTTP_PORTS say: it signs anyone in without a password.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(3));

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-store";
            headers["Referrer-Policy"] = "no-referrer";
            // DNS rebinding: a page whose own name points at 127.0.0.1 must not drive this provider.
            if (!IsLoopbackName(context.Request.Host.Host))
            {
                context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                await context.Response.WriteAsync("The local identity provider answers only at localhost, 127.0.0.1 or [::1].");
                return;
            }
            if (knobs.Unavailable && context.Request.Path != "/health")
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                await context.Response.WriteAsync("The local identity provider is down (the test asked for it).");
                return;
            }
            await next(context);
        });
        app.UseAuthentication();
        app.MapGet("/health", () => TypedResults.Text("ok"));
        app.MapOidcProvider();
        app.MapGitHubFake();
        return app;
    }

    private static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host is "127.0.0.1" or "[::1]" or "::1";
}
