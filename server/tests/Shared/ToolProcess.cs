using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Gatehouse.Tests;

/// <summary>
/// A dev tool as ./run.sh and the e2e suite run it: <c>dotnet &lt;tool&gt;.dll</c>, a process of its own
/// whose output is captured. Linked into each dev tool's test project (one file needs no project).
/// </summary>
public sealed class ToolProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private ToolProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Standard output, once the process has exited.</summary>
    public string Output => Read(_output);

    /// <summary>Standard error, once the process has exited.</summary>
    public string Error => Read(_error);

    /// <summary>
    /// Starts <paramref name="tool"/>'s dll with <paramref name="arguments"/>, without the variables in
    /// <paramref name="unset"/>: settings of the test's own environment that would change what it does.
    /// </summary>
    public static ToolProcess Start(Assembly tool, IEnumerable<string> unset, params string[] arguments)
    {
        var dll = tool.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in unset)
        {
            start.Environment.Remove(name);
        }
        return new ToolProcess(Process.Start(start)!);
    }

    /// <summary>Returns the first output line that starts with <paramref name="start"/>; fails if the tool exits first.</summary>
    public async Task<string> WaitForLineAsync(string start, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            lock (_output)
            {
                var line = _output.ToString().Split('\n').FirstOrDefault(l => l.StartsWith(start, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line.TrimEnd('\r');
                }
            }
            Assert.False(Process.HasExited, $"The tool exited: {_error}");
            await Task.Delay(50);
        }
        throw new TimeoutException($"No line starting '{start}' within {timeout}: {_output}{_error}");
    }

    /// <summary>Sends SIGTERM, as Ctrl+C in a terminal or run.sh's clean-up does, and returns without waiting for the exit.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }
        Process.Dispose();
    }

    private string Read(StringBuilder builder)
    {
        Process.WaitForExit(); // flushes the redirected output
        lock (builder)
        {
            return builder.ToString();
        }
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}
