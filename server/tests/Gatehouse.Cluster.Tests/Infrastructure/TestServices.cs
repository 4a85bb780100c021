using System.Diagnostics;

namespace Gatehouse.Cluster.Tests.Infrastructure;

/// <summary>
/// The real servers this suite needs, as ./test.sh announces them (scripts/services.sh starts
/// PostgreSQL and Redis). A missing one fails the suite with how to fix it: it is never skipped.
/// </summary>
public static class TestServices
{
    private const string Fix = "The cross-instance suite needs real PostgreSQL, Redis and nginx: run ./test.sh, which starts them " +
        "(scripts/services.sh), or source scripts/services.sh and call start_postgres and start_redis yourself.";

    /// <summary>An Npgsql connection string for a role that may CREATE DATABASE.</summary>
    public static string Postgres => Required("GATEHOUSE_TEST_POSTGRES");

    /// <summary>host:port of a Redis server.</summary>
    public static string Redis => Required("GATEHOUSE_TEST_REDIS");

    /// <summary>A pg_ctl that already knows the server's data folder and user: "stop -m fast", "start".</summary>
    public static string PgCtl => Required("GATEHOUSE_TEST_PG_CTL");

    /// <summary>Debian's nginx (apt-get install nginx), or GATEHOUSE_TEST_NGINX.</summary>
    public static string Nginx
    {
        get
        {
            var candidates = new[] { Environment.GetEnvironmentVariable("GATEHOUSE_TEST_NGINX"), "/usr/sbin/nginx" }
                .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, "nginx")));
            return candidates.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException($"nginx is not installed (apt-get install nginx). {Fix}");
        }
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. {Fix}");

    /// <summary>Runs the PostgreSQL server's pg_ctl; throws with its output when it fails.</summary>
    public static async Task PgCtlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(PgCtl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}
