using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gatehouse.DevIdentityProvider.Tests;

/// <summary>The provider as ./run.sh and the e2e suite run it: a process of its own.</summary>
public class ProcessTests
{
    [Fact]
    public async Task It_prints_its_issuer_serves_discovery_there_and_exits_cleanly_on_SIGTERM()
    {
        using var provider = Start("--port", "0");

        var banner = await provider.WaitForLineAsync("Local identity provider: ", TimeSpan.FromSeconds(20));
        Assert.Matches(@"^Local identity provider: http://127\.0\.0\.1:\d+/ \(client gatehouse; ", banner);
        var issuer = banner.Split(' ')[3];
        using var http = new HttpClient();
        Assert.Contains($"\"issuer\": \"{issuer}\"", await http.GetStringAsync($"{issuer}.well-known/openid-configuration"));

        await provider.TerminateAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await provider.Process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, provider.Process.ExitCode);
    }

    [Fact]
    public async Task A_taken_port_stops_it_with_one_line()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var provider = Start("--port", port.ToString(CultureInfo.InvariantCulture));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await provider.Process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, provider.Process.ExitCode);
        var error = provider.Error.Trim();
        Assert.StartsWith("identity provider: ", error);
        Assert.Single(error.Split('\n'));
        Assert.Contains("address already in use", error);
    }

    [Fact]
    public async Task A_bad_port_stops_it_with_a_message_that_says_how_to_fix_it()
    {
        using var provider = Start("--port", "70000");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await provider.Process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, provider.Process.ExitCode);
        Assert.Contains("--port is 70000; use a port from 1 to 65535", provider.Error);
    }

    private static ToolProcess Start(params string[] arguments) => ToolProcess.Start(typeof(DevIdentityProvider).Assembly, [], arguments);
}
