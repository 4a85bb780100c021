using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Cluster.Tests.Infrastructure;

/// <summary>
/// Debian's nginx as a round-robin load balancer in front of the API instances, as a deployment
/// would run it: it overwrites X-Forwarded-For with the client's address, and skips an instance
/// that refuses connections or answers 502. Everything it writes stays in its own folder.
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    /// <summary>Names the instances nginx tried (their addresses), so a test can see the traffic split.</summary>
    public const string UpstreamHeader = "X-Gatehouse-Upstream";

    /// <summary>The instance that answered: the last one nginx tried ("127.0.0.1:A, 127.0.0.1:B" after a retry).</summary>
    public static string? AnsweredBy(HttpResponseMessage response) =>
        response.Headers.TryGetValues(UpstreamHeader, out var values) ? values.Last().Split(',').Last().Trim() : null;

    private readonly Process _process;
    private readonly string _directory;
    private bool _disposed;

    private Nginx(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    public string ErrorLog => File.Exists(Path.Combine(_directory, "error.log")) ? File.ReadAllText(Path.Combine(_directory, "error.log")) : "";

    public static async Task<Nginx> StartAsync(string directory, IEnumerable<int> upstreamPorts)
    {
        Directory.CreateDirectory(directory);
        var port = ApiProcess.FreePort();
        var servers = new StringBuilder();
        foreach (var upstream in upstreamPorts)
        {
            // After one failure an instance rests for 2 s, so a dead one costs one retry, not one per request.
            servers.AppendLine($"    server 127.0.0.1:{upstream} max_fails=1 fail_timeout=2s;");
        }
        var config = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(config, $$"""
            # One process, which proxies exactly as a master's workers would: workers outlive a master
            # that is killed, and their process titles overwrite the environment by which test.sh's
            # sweep finds what a stopped test run left behind.
            master_process off;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 1024; }
            http {
              access_log {{directory}}/access.log;
              client_body_temp_path {{directory}}/client_body;
              proxy_temp_path {{directory}}/proxy;
              fastcgi_temp_path {{directory}}/fastcgi;
              uwsgi_temp_path {{directory}}/uwsgi;
              scgi_temp_path {{directory}}/scgi;
              upstream gatehouse {
            {{servers}}    keepalive 16;
              }
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass http://gatehouse;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_set_header Host $http_host;
                  # Overwritten, not appended: what the client sent in X-Forwarded-For is not evidence.
                  proxy_set_header X-Forwarded-For $remote_addr;
                  proxy_set_header X-Forwarded-Proto $scheme;
                  # A killed instance refuses connections (error) or its connection breaks mid-request;
                  # nginx then tries the other one. It never repeats a POST that reached an instance.
                  proxy_next_upstream error timeout http_502;
                  proxy_connect_timeout 1s;
                  add_header {{UpstreamHeader}} $upstream_addr always;
                }
              }
            }
            """);

        var start = new ProcessStartInfo(TestServices.Nginx)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -e: the log for messages before the configuration is read (else /var/log/nginx/error.log).
        foreach (var argument in new[] { "-p", directory, "-c", config, "-e", Path.Combine(directory, "error.log"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(argument);
        }
        var nginx = new Nginx(Process.Start(start)!, directory, port);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10) && !nginx._process.HasExited)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return nginx;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        var output = nginx._process.HasExited ? await nginx._process.StandardError.ReadToEndAsync() : "";
        await nginx.DisposeAsync();
        throw new InvalidOperationException($"nginx did not start on 127.0.0.1:{port}. {output}\n{nginx.ErrorLog}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
