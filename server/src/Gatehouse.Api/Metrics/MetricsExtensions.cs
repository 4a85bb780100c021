using System.Net;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Gatehouse.Api.Metrics;

public static class MetricsExtensions
{
    /// <summary>
    /// ASP.NET Core's and the runtime's own meters (built into .NET 9+; the instrumentation packages
    /// only add these names), exported beside Gatehouse's.
    /// </summary>
    internal static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "Microsoft.AspNetCore.Identity",
        "System.Runtime",
    ];

    /// <summary>
    /// The <see cref="GatehouseMetrics"/> counters always (cheap no-ops when nothing listens), and, when
    /// <c>Gatehouse:Metrics:Enabled</c>, OpenTelemetry's meter provider with the Prometheus exporter.
    /// </summary>
    public static WebApplicationBuilder AddGatehouseMetrics(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.AddSingleton<GatehouseMetrics>();

        var options = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (options.IsEnabled(builder.Environment))
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter(GatehouseMetrics.MeterName)
                .AddMeter(FrameworkMeters)
                // Each scrape reads the counters as they are: a scraper gets no stale copy.
                .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        }
        return builder;
    }

    /// <summary>
    /// <c>GET /metrics</c> (Prometheus text from OpenTelemetry's exporter) when metrics are on, for
    /// clients in <see cref="MetricsOptions.AllowedNetworks"/> only; anyone else, and everyone when
    /// metrics are off, gets 404.
    /// </summary>
    public static WebApplication MapGatehouseMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.IsEnabled(app.Environment))
        {
            return app;
        }
        var networks = options.Networks();
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (!IsAllowed(context.Connection.RemoteIpAddress, networks))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context);
        }), optionsName: null);
        return app;
    }

    /// <summary>
    /// No address is a connection that is not over IP (a Unix socket, the test server): local by
    /// construction. An IPv4 client of a dual-stack socket is judged by its IPv4 address.
    /// </summary>
    internal static bool IsAllowed(IPAddress? address, IReadOnlyList<IPNetwork> networks)
    {
        if (address is null)
        {
            return true;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
