using BenchmarkDotNet.Loggers;

namespace Gatehouse.Benchmarks.Infrastructure;

/// <summary>
/// Which benchmarks BenchmarkDotNet logged an error for. In-process, an exception in a global
/// clean-up is only logged: the benchmark's report still counts as a success. Errors are ascribed
/// to the benchmark whose "// Benchmark:" header came last, until the next progress line. Should
/// BenchmarkDotNet word those lines differently, errors count as unattributed, which fails the run too.
/// Validation's own errors are not counted here: BenchmarkDotNet marks the ones that matter critical,
/// and the program fails on those (Summary.HasCriticalValidationErrors). The rest are warnings printed
/// as errors, such as "assembly located in temp", which fires for every clone under /tmp.
/// </summary>
internal sealed class ErrorLog : ILogger
{
    private const string Header = "// Benchmark: ";
    private string? _current;
    private bool _validating;

    /// <summary>The benchmarks' display names (BenchmarkCase.DisplayInfo).</summary>
    public HashSet<string> Failed { get; } = new(StringComparer.Ordinal);

    /// <summary>Errors logged while no benchmark was running (validation, export).</summary>
    public int Unattributed { get; private set; }

    public string Id => nameof(ErrorLog);

    public int Priority => 0;

    public void Write(LogKind logKind, string text) => Observe(logKind, text);

    public void WriteLine(LogKind logKind, string text) => Observe(logKind, text);

    public void WriteLine()
    {
    }

    public void Flush()
    {
    }

    private void Observe(LogKind kind, string text)
    {
        if (text.StartsWith("// Validating benchmarks", StringComparison.Ordinal))
        {
            _validating = true;
        }
        else if (text.StartsWith("// ***** BenchmarkRunner: Start", StringComparison.Ordinal))
        {
            _validating = false;
        }
        else if (text.StartsWith(Header, StringComparison.Ordinal))
        {
            _current = text[Header.Length..].Trim();
        }
        else if (text.StartsWith("// ** Remained", StringComparison.Ordinal) || text.StartsWith("// ***** BenchmarkRunner: Finish", StringComparison.Ordinal))
        {
            _current = null;
        }
        else if (kind == LogKind.Error && !_validating)
        {
            if (_current is null)
            {
                Unattributed++;
            }
            else
            {
                Failed.Add(_current);
            }
        }
    }
}
