using System.Collections.Concurrent;
using System.Security.Cryptography;
using Gatehouse.Api.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// The real app over a real database of its own (a SQLite file in a temporary folder, or a PostgreSQL
/// database for that folder: see <see cref="TestDatabase"/>), with a clock the test can move and
/// every log line kept for inspection.
/// </summary>
public class GatehouseFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new();
    private readonly List<Action<IServiceCollection>> _services = [];
    private readonly bool _ownsDirectory;

    public GatehouseFactory() : this(NewDataDirectory(), ownsDirectory: true)
    {
    }

    private GatehouseFactory(string dataDirectory, bool ownsDirectory)
    {
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        ClientOptions.BaseAddress = new Uri("https://localhost");
        ClientOptions.AllowAutoRedirect = false;
    }

    /// <summary>Shares a data folder with an earlier factory (to test restarts); the caller deletes it.</summary>
    public static GatehouseFactory OnDirectory(string dataDirectory) => new(dataDirectory, ownsDirectory: false);

    public string DataDirectory { get; }

    public string EnvironmentName { get; private set; } = "Development";

    /// <summary>Starts at the current whole second, so JWT second-precision times line up exactly.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public LogSink Logs { get; } = new();

    public GatehouseFactory WithEnvironment(string environment)
    {
        EnvironmentName = environment;
        if (environment != "Development" && !_settings.ContainsKey("Gatehouse:Tokens:SigningKey"))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            _settings["Gatehouse:Tokens:SigningKey"] = key.ExportPkcs8PrivateKeyPem();
        }
        // Outside Development the second factors' key is required (Development has its own).
        if (environment != "Development" && !_settings.ContainsKey("Gatehouse:Mfa:EncryptionKey"))
        {
            _settings["Gatehouse:Mfa:EncryptionKey"] = MfaEncryptionKey;
        }
        // Outside Development an SMTP server is required; a test that sends mail points it at a
        // SmtpSink (WithSmtp), and one that checks the requirement sets the host to null first.
        if (environment != "Development" && !_settings.ContainsKey("Gatehouse:Email:Smtp:Host"))
        {
            _settings["Gatehouse:Email:Smtp:Host"] = "127.0.0.1";
        }
        return this;
    }

    public GatehouseFactory With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public GatehouseFactory WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    public static string NewDataDirectory() =>
        Directory.CreateTempSubdirectory("gatehouse-test-").FullName;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.ConfigureAppConfiguration(configuration =>
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Gatehouse:Data:Directory"] = DataDirectory,
                // Most tests sign in many times from one (test-server) address; the brute-force tests
                // switch the limits back on with small numbers.
                ["Gatehouse:RateLimits:Enabled"] = "false",
                ["Gatehouse:Cors:Origins"] = $"{Origin},http://localhost:3000",
                // One instance unless a test gives it Redis; a Redis__Configuration in the shell must not leak in.
                ["Redis:Configuration"] = "",
                // Development's console is quiet (warnings only); tests read the app's information logs.
                ["Logging:LogLevel:Default"] = "Information",
                // Off (Development's default is on): hosts in one process share meters by name, and
                // Metrics/ tests judge their own hosts' counts.
                ["Gatehouse:Metrics:Enabled"] = "false",
            });
            configuration.AddInMemoryCollection(TestDatabase.SettingsFor(DataDirectory));
            configuration.AddInMemoryCollection(_settings);
        });
        builder.ConfigureLogging(logging => logging.AddProvider(new LogSinkProvider(Logs)).SetMinimumLevel(LogLevel.Debug));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            foreach (var configure in _services)
            {
                configure(services);
            }
        });
    }

    /// <summary>
    /// Clients behave like a browser on the API's own origin: they send Origin, as browsers do on
    /// every POST and DELETE, so the CSRF defence lets them through. CSRF tests remove or change it.
    /// </summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("Origin", Origin);
    }

    /// <summary>A Gatehouse:Mfa:EncryptionKey for runs outside Development: 32 random bytes, new for each test run.</summary>
    public static readonly string MfaEncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A JWT_SECRET (HS256 signing) for tests that sign with a shared secret.</summary>
    public const string JwtSecret = "a-test-secret-of-at-least-thirty-two-bytes!";

    /// <summary>The origin test clients send; allowed by the factory's CORS settings.</summary>
    public const string Origin = "https://localhost";

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // A SQLite file named by the test's own connection string (else the folder's, below).
        if (disposing && _settings.GetValueOrDefault("Database:Provider") == "sqlite"
            && _settings.GetValueOrDefault("ConnectionStrings:Default") is { Length: > 0 } connectionString)
        {
            TestDatabase.ClearSqlitePool(connectionString);
        }
        if (disposing && _ownsDirectory)
        {
            DeleteDataDirectory(DataDirectory);
        }
    }

    public static void DeleteDataDirectory(string directory)
    {
        TestDatabase.Drop(directory);
        TestDatabase.ClearSqlitePool(DataExtensions.SqliteFileConnectionString(directory));
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled handle may linger for a moment; a temp folder left behind is harmless.
        }
    }
}

/// <summary>Every log line the app wrote, with its category and any exception text.</summary>
public sealed class LogSink
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public void Add(string line) => _lines.Enqueue(line);

    public string All => string.Join('\n', _lines);

    /// <summary>
    /// Waits (up to 10 s) for a line containing <paramref name="text"/>: a background service writes
    /// its row before its log line, so a test that saw the row may be a moment ahead of the log.
    /// </summary>
    public async Task WaitForAsync(string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}

internal sealed class LogSinkProvider(LogSink sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new SinkLogger(sink, categoryName);

    public void Dispose()
    {
    }

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Keep the structured values as well as the message: a secret could hide in either.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}"))
                : "";
            sink.Add($"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
        }
    }
}
