using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// A throwaway <c>redis-server</c> on a free loopback port, with no persistence, killed on Dispose.
/// <see cref="Shared"/> may instead name a server already running (<c>GATEHOUSE_TEST_REDIS</c>, a
/// configuration string, e.g. one that test.sh started); tests that stop Redis always start their own.
/// Tests keep apart by a key prefix of their own (<see cref="NewKeyPrefix"/>), never by FLUSHDB.
/// </summary>
public sealed class RedisServer : IDisposable
{
    public const string SharedVariable = "GATEHOUSE_TEST_REDIS";

    private readonly string? _directory;
    private readonly int _port;
    private Process? _process;

    private RedisServer(string configuration)
    {
        Configuration = configuration;
    }

    private RedisServer(int port, string directory)
    {
        _port = port;
        _directory = directory;
        Configuration = $"127.0.0.1:{port}";
    }

    /// <summary>What <c>Redis:Configuration</c> should say to reach this server.</summary>
    public string Configuration { get; }

    /// <summary>The server named by GATEHOUSE_TEST_REDIS, else one of this test's own.</summary>
    public static RedisServer Shared() =>
        Environment.GetEnvironmentVariable(SharedVariable) is { Length: > 0 } configuration
            ? new RedisServer(configuration)
            : StartOwn();

    /// <summary>A server of this test's own, which it may stop and start again.</summary>
    public static RedisServer StartOwn()
    {
        var server = new RedisServer(ApiProcess.FreePort(), Directory.CreateTempSubdirectory("gatehouse-redis-").FullName);
        try
        {
            server.Start();
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    public static string NewKeyPrefix() => $"gatehouse-test-{Guid.NewGuid():N}:";

    /// <summary>(Re)starts the server on its port and waits until it answers PING.</summary>
    public void Start()
    {
        if (_directory is null)
        {
            throw new InvalidOperationException($"The server named by {SharedVariable} is not this test's to start or stop; use RedisServer.StartOwn().");
        }
        var start = new ProcessStartInfo(FindExecutable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory })
        {
            start.ArgumentList.Add(argument);
        }
        var output = new StringBuilder();
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (!Ping())
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                Stop();
                lock (output)
                {
                    throw new InvalidOperationException($"redis-server did not answer PING on 127.0.0.1:{_port}:\n{output}");
                }
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>Kills the server, as a crash would: no goodbye to its clients.</summary>
    public void Stop()
    {
        if (_process is { } process)
        {
            _process = null;
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
        }
    }

    private bool Ping()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", _port);
            using var stream = client.GetStream();
            stream.ReadTimeout = 1000;
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            var read = stream.Read(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is SocketException or IOException)
        {
            return false;
        }
    }

    private static string FindExecutable()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        // A failure, not a skip: a test that silently does not run proves nothing.
        throw new InvalidOperationException(
            $"redis-server is not installed, and the Redis tests need it. Install it (apt-get install redis-server; ./test.sh does this) " +
            $"or set {SharedVariable} to the configuration string of a running server, e.g. 127.0.0.1:6379.");
    }

    public void Dispose()
    {
        Stop();
        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}
