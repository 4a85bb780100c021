using System.Globalization;
using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Metrics;

/// <summary>
/// ASP.NET Core's meters belong to each host (its IMeterFactory), and a test process makes hundreds of
/// hosts, so their export is shown where it counts: the real API process, one host, as deployed.
/// </summary>
public sealed class FrameworkMetricsProcessTests : IDisposable
{
    private readonly string _directory = GatehouseFactory.NewDataDirectory();

    [Fact]
    public async Task In_development_the_real_process_serves_aspnet_cores_kestrels_and_the_runtimes_meters_by_default()
    {
        var port = ApiProcess.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var settings = new Dictionary<string, string?>(TestDatabase.EnvironmentFor(_directory))
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development", // metrics on by default there
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gatehouse__Data__Directory"] = _directory,
        };
        await using var api = ApiProcess.Start(_directory, settings);
        Assert.True(await api.WaitUntilServingAsync($"{url}/health", TimeSpan.FromSeconds(60)), api.Output);
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"{url}/auth/me")).StatusCode);

        var scrape = await client.GetAsync($"{url}/metrics");

        var text = await scrape.Content.ReadAsStringAsync();
        Assert.True(scrape.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("http_server_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("kestrel_", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_collections_total", text, StringComparison.Ordinal);
    }

    public void Dispose() => GatehouseFactory.DeleteDataDirectory(_directory);
}
