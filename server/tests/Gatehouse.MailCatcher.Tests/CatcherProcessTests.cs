using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gatehouse.MailCatcher.Tests;

/// <summary>The catcher as run.sh and the e2e suite run it: a process of its own.</summary>
public class CatcherProcessTests
{
    [Fact]
    public async Task It_starts_quickly_prints_its_addresses_and_exits_cleanly_on_SIGTERM()
    {
        var started = Stopwatch.StartNew();
        using var catcher = Start("--smtp-port", "0", "--http-port", "0");

        var banner = await catcher.WaitForLineAsync("Mail catcher: ", TimeSpan.FromSeconds(15));
        Assert.Matches(@"^Mail catcher: http://127\.0\.0\.1:\d+ \(SMTP on 127\.0\.0\.1:\d+\)$", banner);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"started in {started.Elapsed}");
        var url = banner.Split(' ')[2];
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync($"{url}/health"));

        await catcher.TerminateAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await catcher.Process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, catcher.Process.ExitCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"{url}/health"));
    }

    [Fact]
    public async Task A_taken_SMTP_port_stops_it_with_one_line_that_names_the_problem()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var catcher = Start("--smtp-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--http-port", "0");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await catcher.Process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, catcher.Process.ExitCode);
        var error = catcher.Error.Trim();
        Assert.StartsWith("mail catcher: ", error);
        Assert.Single(error.Split('\n'));
        Assert.Contains($"127.0.0.1:{port}: address already in use", error);
        Assert.Empty(catcher.Output.Trim()); // no logged stack trace either
    }

    [Fact]
    public async Task A_bad_setting_stops_it_with_a_message_that_says_how_to_fix_it()
    {
        using var catcher = Start("--smtp-port", "70000", "--http-port", "0");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await catcher.Process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, catcher.Process.ExitCode);
        Assert.Contains("--smtp-port is 70000; use a port from 1 to 65535", catcher.Error);
    }

    private static ToolProcess Start(params string[] arguments) =>
        ToolProcess.Start(typeof(MailCatcherApp).Assembly,
            ["ASPNETCORE_URLS", "HTTP_PORTS", "ASPNETCORE_HTTP_PORTS", "MailCatcher__SmtpPort", "MailCatcher__HttpPort", "MailCatcher__Address"], arguments);
}
