using System.Net;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Metrics;

/// <summary>
/// <c>Gatehouse:Metrics</c>: whether <c>/metrics</c> is served, and to which client networks. The
/// scrape says how many sign-ins fail and how often accounts lock; it is for the operator's Prometheus,
/// not the public, so only private and loopback networks may read it unless configured otherwise.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Gatehouse:Metrics";

    /// <summary>Serve <c>/metrics</c>. Unset: on in Development, off elsewhere.</summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// CIDR ranges whose clients may scrape (the client address as Gatehouse sees it, i.e. after
    /// trusted forwarded headers). Unset: loopback and the private ranges (<see cref="DefaultNetworks"/>).
    /// Others get 404, as if the endpoint did not exist.
    /// </summary>
    public string[]? AllowedNetworks { get; set; }

    public static readonly string[] DefaultNetworks =
        ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

    public bool IsEnabled(IHostEnvironment environment) => Enabled ?? environment.IsDevelopment();

    /// <summary>The allowed networks, parsed (the validator has checked each one at start-up).</summary>
    public IReadOnlyList<IPNetwork> Networks() =>
        [.. (AllowedNetworks ?? DefaultNetworks).Select(n => IPNetwork.Parse(n.Trim()))];
}

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var failures = new List<string>();
        if (options.AllowedNetworks is { Length: 0 })
        {
            failures.Add("Gatehouse:Metrics:AllowedNetworks is empty, so no one could scrape /metrics; list the networks of your Prometheus (e.g. 10.0.0.0/8), or turn metrics off with Gatehouse:Metrics:Enabled=false.");
        }
        foreach (var network in options.AllowedNetworks ?? [])
        {
            if (!IPNetwork.TryParse(network?.Trim() ?? "", out _))
            {
                failures.Add($"Gatehouse:Metrics:AllowedNetworks has '{network}', which is not a network; write each as an address and prefix length, e.g. 10.0.0.0/8 or 127.0.0.1/32.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
