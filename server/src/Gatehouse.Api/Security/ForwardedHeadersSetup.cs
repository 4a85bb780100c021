using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Security;

/// <summary>
/// Which reverse proxies may say who the client is. None by default: then X-Forwarded-For is ignored,
/// since anyone could send it to dodge a per-IP limit or plant an address in the audit log.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "Gatehouse:ForwardedHeaders";

    /// <summary>Comma-separated proxy addresses, e.g. <c>127.0.0.1,::1</c> for a proxy on this machine.</summary>
    public string KnownProxies { get; set; } = "";

    /// <summary>Comma-separated proxy networks in CIDR form, e.g. <c>10.0.0.0/8</c>.</summary>
    public string KnownNetworks { get; set; } = "";

    internal static IEnumerable<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

internal sealed class ForwardedHeadersSettingsValidator : IValidateOptions<ForwardedHeadersSettings>
{
    public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
    {
        var failures = new List<string>();
        foreach (var proxy in ForwardedHeadersSettings.List(options.KnownProxies).Where(p => !IPAddress.TryParse(p, out _)))
        {
            failures.Add($"Gatehouse:ForwardedHeaders:KnownProxies has '{proxy}', which is not an IP address. List the proxies' addresses, e.g. 127.0.0.1,::1.");
        }
        foreach (var network in ForwardedHeadersSettings.List(options.KnownNetworks).Where(n => !System.Net.IPNetwork.TryParse(n, out _)))
        {
            failures.Add($"Gatehouse:ForwardedHeaders:KnownNetworks has '{network}', which is not a network. Use CIDR form, e.g. 10.0.0.0/8.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class ForwardedHeadersSetup
{
    public static IServiceCollection AddGatehouseForwardedHeaders(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardedHeadersSettings>, ForwardedHeadersSettingsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((forwarded, settings) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; Gatehouse trusts only what is configured.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in ForwardedHeadersSettings.List(settings.Value.KnownProxies))
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }
            foreach (var network in ForwardedHeadersSettings.List(settings.Value.KnownNetworks))
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
            // Walk back through every trusted hop (browser → nginx → Next.js → API); the walk stops at
            // the first address that is not a known proxy, so a forged entry before it is never used.
            forwarded.ForwardLimit = null;
        });
        return services;
    }

    public static WebApplication UseGatehouseForwardedHeaders(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value;
        if (ForwardedHeadersSettings.List(settings.KnownProxies).Any() || ForwardedHeadersSettings.List(settings.KnownNetworks).Any())
        {
            app.UseForwardedHeaders();
        }
        return app;
    }
}
