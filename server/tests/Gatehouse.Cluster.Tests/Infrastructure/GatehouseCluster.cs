using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Gatehouse.DevIdentityProvider;
using Npgsql;
using IdentityProvider = Gatehouse.DevIdentityProvider.DevIdentityProvider;

// Linux only: Debian's nginx and PostgreSQL, and client addresses anywhere in 127/8.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Gatehouse.Cluster.Tests.Infrastructure;

/// <summary>
/// Gatehouse as issue 5 deploys it: two API processes (A and B) in Production on one PostgreSQL
/// database and one Redis, and nginx balancing round-robin between them; both send their mail to one
/// SMTP server in the test process (<see cref="Mail"/>). One per suite; the tests
/// run one after another, and a test that kills an instance or stops the database restores it.
/// </summary>
public sealed class GatehouseCluster : IAsyncLifetime
{
    /// <summary>The web app's origin: the API's CORS and CSRF defences allow it.</summary>
    public const string FrontendUrl = "http://localhost:3000";

    /// <summary>Failed sign-ins allowed per client address, and per account, in one window.</summary>
    public const int LoginsPerAddress = 6;
    public const int LoginsPerAccount = 15;

    /// <summary>Wrong passwords that lock an account (Gatehouse's Identity setting).</summary>
    public const int LockoutThreshold = 10;

    private readonly string _root = Directory.CreateTempSubdirectory("gatehouse-cluster-").FullName;
    private readonly string _database = $"gatehouse_cluster_{Guid.NewGuid():N}";
    private readonly string _redisPrefix = $"gatehouse-cluster-{Guid.NewGuid():N}:";
    private readonly string _signingKey;
    /// <summary>How long a rotated-in key is published before it signs: fifteen refresh intervals.</summary>
    public static readonly TimeSpan KeyActivationDelay = TimeSpan.FromSeconds(15);

    private readonly string _keyPassphrase = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    // The second factors' key, the same on every instance (as deployed), new for each run.
    private readonly string _mfaKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private string _connectionString = "";
    private bool _databaseCreated;

    public GatehouseCluster()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _signingKey = key.ExportPkcs8PrivateKeyPem();
        // Also when the test run is stopped: the processes this suite started must not outlive it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Stop();
            }
            catch (AggregateException)
            {
                // Nothing can be reported this late; test.sh's sweep ends what is left.
            }
        };
    }

    public ApiInstance A { get; private set; } = null!;

    public ApiInstance B { get; private set; } = null!;

    public Nginx Nginx { get; private set; } = null!;

    /// <summary>The SMTP server every instance sends to: what reached it, reached the user.</summary>
    public SmtpSink Mail { get; private set; } = null!;

    /// <summary>The OpenID Connect provider every instance offers as <c>local</c> (in the test process, on loopback).</summary>
    public IdentityProvider Provider { get; private set; } = null!;

    /// <summary>The cluster's own database, for tests that look at or write rows directly.</summary>
    public string ConnectionString => _connectionString;

    /// <summary>The balancer's address: what a browser would call.</summary>
    public Uri ViaNginx => Nginx.BaseUri;

    public Browser NewBrowser() => new(FrontendUrl);

    public async Task InitializeAsync()
    {
        try
        {
            var admin = new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Pooling = false };
            _ = TestServices.Redis;
            _ = TestServices.PgCtl;
            _ = TestServices.Nginx;
            await using (var connection = new NpgsqlConnection(admin.ConnectionString))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", connection);
                await create.ExecuteNonQueryAsync();
                _databaseCreated = true;
            }
            _connectionString = new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Database = _database }.ConnectionString;

            Mail = await SmtpSink.StartAsync();
            Provider = await IdentityProvider.StartAsync(new DevIdentityProviderOptions { Port = 0 });
            // One after the other: the first applies the migrations, the second finds them done.
            A = await StartInstanceAsync("a", ApiProcess.FreePort());
            B = await StartInstanceAsync("b", ApiProcess.FreePort());
            Nginx = await Nginx.StartAsync(Path.Combine(_root, "nginx"), [A.Port, B.Port]);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The settings of every instance: Production, as deployed, with small numbers where a test
    /// must reach a limit or wait for a change.
    /// </summary>
    public Dictionary<string, string?> Settings(ApiInstance instance) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["PORT"] = instance.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["FRONTEND_URL"] = FrontendUrl,
        ["Gatehouse__Data__Directory"] = instance.Directory,
        ["Gatehouse__Tokens__SigningKey"] = _signingKey,
        ["Database__Provider"] = "postgres",
        ["ConnectionStrings__Default"] = _connectionString,
        ["Redis__Configuration"] = TestServices.Redis,
        // Counters and channels of its own: a Redis shared with other runs holds their rate-limit windows.
        ["Redis__KeyPrefix"] = _redisPrefix,
        // nginx on this machine says who the client is.
        ["Gatehouse__ForwardedHeaders__KnownProxies"] = "127.0.0.1",
        // A long window, so that no window ends in the middle of a brute-force test.
        ["Gatehouse__RateLimits__Login__PerIp"] = LoginsPerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gatehouse__RateLimits__Login__PerUser"] = LoginsPerAccount.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gatehouse__RateLimits__Login__Window"] = "00:30:00",
        // The load tests renew tokens far faster than a person would; the refresh limit is not what
        // this suite checks (the per-instance suite does).
        ["Gatehouse__RateLimits__Refresh__PerIp"] = "1000000",
        ["Gatehouse__RateLimits__Refresh__PerUser"] = "1000000",
        // The signing-key ring in the database: every instance re-reads it each second and a rotated-in
        // key signs KeyActivationDelay after it is added, so a whole rotation fits in the test; the
        // keys are kept encrypted with the passphrase.
        ["Gatehouse__Tokens__KeyRefreshInterval"] = "00:00:01",
        ["Gatehouse__Tokens__KeyActivationDelay"] = $"00:00:{(int)KeyActivationDelay.TotalSeconds:D2}",
        ["Gatehouse__Tokens__KeyPassphrase"] = _keyPassphrase,
        ["Gatehouse__Mfa__EncryptionKey"] = _mfaKey,
        // Production needs an SMTP server: the sink, in plain SMTP on loopback. Each instance polls
        // often, so both are at work whenever there is mail, and every race for a row is run.
        ["Gatehouse__Email__Smtp__Host"] = "127.0.0.1",
        ["Gatehouse__Email__Smtp__Port"] = Mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gatehouse__Email__Smtp__Security"] = "None",
        ["Gatehouse__Email__PollInterval"] = "00:00:00.1",
        // One external provider, so a sign-in can start on one instance and come back to the other.
        ["Gatehouse__ExternalLogins__Providers__local__DisplayName"] = "Local provider",
        ["Gatehouse__ExternalLogins__Providers__local__Authority"] = Provider.Issuer,
        ["Gatehouse__ExternalLogins__Providers__local__ClientId"] = Provider.ClientId,
        ["Gatehouse__ExternalLogins__Providers__local__ClientSecret"] = Provider.ClientSecret,
        // A home of its own, as a machine or container of its own would have: nothing an instance
        // keeps under ~ (Data Protection's default key folder, say) is seen by the other.
        ["HOME"] = instance.Directory,
    };

    /// <summary>Runs the API's command-line mode (e.g. --rotate-signing-key) against the cluster's database, to its end.</summary>
    public async Task<ApiProcess> RunCommandAsync(params string[] arguments)
    {
        var instance = new ApiInstance(this, "command-" + Guid.NewGuid().ToString("N")[..8], ApiProcess.FreePort(), _root);
        var process = ApiProcess.Start(instance.Directory, Settings(instance), arguments);
        if (!await process.WaitForExitAsync(TimeSpan.FromSeconds(30)))
        {
            await process.DisposeAsync();
            throw new TimeoutException($"Gatehouse.Api {string.Join(' ', arguments)} did not finish within 30 s:\n{process.Output}");
        }
        return process;
    }

    /// <summary>Waits until nginx sends requests to both instances again (it rests one that failed).</summary>
    public async Task WaitUntilBalancedAsync()
    {
        using var probe = NewBrowser();
        var seen = new HashSet<string>();
        var deadline = Stopwatch.StartNew();
        while (seen.Count < 2)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"nginx did not balance over both instances within 20 s; it used {string.Join(", ", seen)}.\n{Nginx.ErrorLog}");
            var response = await probe.GetAsync(ViaNginx, "/health");
            if (response.StatusCode == HttpStatusCode.OK && Nginx.AnsweredBy(response) is { } upstream)
            {
                seen.Add(upstream);
            }
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            Stop();
        }
        finally
        {
            if (Mail is not null)
            {
                await Mail.DisposeAsync();
            }
            if (Provider is not null)
            {
                await Provider.DisposeAsync();
            }
            await DropDatabaseAsync();
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    private async Task DropDatabaseAsync()
    {
        if (_databaseCreated)
        {
            var admin = new NpgsqlConnectionStringBuilder(TestServices.Postgres) { Pooling = false };
            await using var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
            _databaseCreated = false;
        }
    }

    private void Stop()
    {
        // Synchronous: it also runs from ProcessExit, where nothing may be awaited. Each one is
        // stopped even when stopping another failed.
        var failures = new List<Exception>();
        foreach (var process in new IAsyncDisposable?[] { Nginx, A, B })
        {
            try
            {
                process?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (Exception exception)
            {
                failures.Add(exception);
            }
        }
        if (failures.Count > 0)
        {
            throw new AggregateException("Stopping the cluster's processes failed", failures);
        }
    }

    private async Task<ApiInstance> StartInstanceAsync(string name, int port)
    {
        var instance = new ApiInstance(this, name, port, _root);
        await instance.StartAsync();
        return instance;
    }
}

/// <summary>One API process of the cluster, on a fixed port so that nginx finds it again after a restart.</summary>
public sealed class ApiInstance : IAsyncDisposable
{
    private readonly GatehouseCluster _cluster;
    private ApiProcess? _process;

    internal ApiInstance(GatehouseCluster cluster, string name, int port, string root)
    {
        _cluster = cluster;
        Name = name;
        Port = port;
        Directory = System.IO.Directory.CreateDirectory(Path.Combine(root, name)).FullName;
    }

    public string Name { get; }

    public int Port { get; }

    public string Directory { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}");

    /// <summary>How nginx names it in <see cref="Nginx.UpstreamHeader"/>.</summary>
    public string Upstream => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The process's log so far, for assertion messages.</summary>
    public string Output => _process?.Output ?? "(not running)";

    public async Task StartAsync()
    {
        _process = ApiProcess.Start(Directory, _cluster.Settings(this));
        if (!await _process.WaitUntilServingAsync(new Uri(BaseUri, "/health/ready").ToString(), TimeSpan.FromSeconds(60)))
        {
            var output = _process.Output;
            await _process.DisposeAsync();
            throw new InvalidOperationException($"API instance {Name} did not become ready on {BaseUri}:\n{output}");
        }
    }

    /// <summary>SIGKILL, as a crash or an out-of-memory kill: no graceful shutdown.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<GatehouseCluster>
{
    public const string Name = "cluster";
}
