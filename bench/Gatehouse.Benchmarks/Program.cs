// Gatehouse.Benchmarks: the API's hot paths measured in this process with the API's own classes and
// configuration (its Program builds the services over a temporary SQLite database): access-token
// issue and validation (ES256, HS256), the session check, and the Argon2id password hash.
//
// A full run, under two minutes (a short job: 3 warm-up and 3 measured iterations per benchmark;
// 80 s of benchmarks on the shared two-core machine, plus the build; its error bars are wide when
// the machine is busy, and --job medium narrows them in about four times as long):
//   dotnet run -c Release --project bench/Gatehouse.Benchmarks -- --filter '*' [--artifacts DIR]
// writes, besides the console summary, for each class DIR/results/Gatehouse.Benchmarks.<Area>.<Class>-report.csv
// (times in ns, sizes in bytes, units in the header, plain numbers in the cells), -report-brief.json
// (the same statistics as JSON) and -report-github.md (the table for people); DIR defaults to
// ./BenchmarkDotNet.Artifacts in the working folder.
// Every benchmark once, as test.sh runs them so they cannot rot (seconds, not minutes):
//   dotnet run -c Release --project bench/Gatehouse.Benchmarks -- --filter '*' --job Dry
// Any other BenchmarkDotNet option works too (--filter '*Token*', --job medium, --list flat).
//
// Always in-process: the default toolchain builds a second copy of this project and the API for every
// run (22 s here, longer than the whole Dry run) and works only when started inside the repository.
// Exits non-zero when a benchmark failed (BenchmarkDotNet itself exits 0 then) or none matched the
// filter; the last line counts them.
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Gatehouse.Benchmarks.Infrastructure;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace Gatehouse.Benchmarks;

// Not "Program": that name is the API's entry point, which WebApplicationFactory<Program> starts.
internal static class BenchmarksProgram
{
    public static int Main(string[] args)
    {
        var arguments = args.ToList();
        if (!arguments.Any(a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal)))
        {
            arguments.AddRange(["--job", "short"]);
        }
        if (!arguments.Any(a => a is "--inProcess" or "-i"))
        {
            arguments.Add("--inProcess");
        }

        // Plain numbers for the machine-readable files: no units in the cells, no thousands separators.
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberGroupSeparator = "";
        var style = new SummaryStyle(culture, printUnitsInHeader: true, SizeUnit.B, TimeUnit.Nanosecond, printUnitsInContent: false);
        var errors = new ErrorLog();
        var config = ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default, errors)
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddExporter(new CsvExporter(CsvSeparator.Comma, style), JsonExporter.Brief, MarkdownExporter.GitHub);

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarksProgram).Assembly).Run([.. arguments], config).ToList();
        if (summaries.Count == 0)
        {
            // --list, --help and --version run nothing, and that is what they were asked for.
            var askedNoRun = arguments.Any(a => a is "--list" or "--help" or "-h" or "-?" or "--version");
            if (!askedNoRun)
            {
                Console.Error.WriteLine("No benchmark matched the filter.");
            }
            return askedNoRun ? 0 : 1;
        }

        var cases = summaries.SelectMany(s => s.BenchmarksCases).ToList();
        // A benchmark passes when it was measured and nothing in it failed, clean-up included.
        var passed = summaries.SelectMany(s => s.Reports)
            .Count(r => r.Success && r.ResultStatistics is not null && !errors.Failed.Contains(r.BenchmarkCase.DisplayInfo));
        var failed = cases.Count - passed;
        if (errors.Unattributed > 0)
        {
            Console.WriteLine($"BenchmarkDotNet logged {errors.Unattributed} error(s) outside any benchmark (see // ERROR above).");
        }
        Console.WriteLine($"benchmarks: {passed} passed, {failed} failed");
        return failed == 0 && passed > 0 && errors.Unattributed == 0 && !summaries.Any(s => s.HasCriticalValidationErrors) ? 0 : 1;
    }
}
