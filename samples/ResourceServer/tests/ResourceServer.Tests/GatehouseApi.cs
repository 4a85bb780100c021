using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ResourceServer.Tests;

/// <summary>
/// A real Gatehouse API (<c>dotnet Gatehouse.Api.dll</c>) on a free port, in Development with the
/// demo user, its own database, and a signing key this test holds, so it can also mint tokens
/// Gatehouse would never issue (expired ones, with roles).
/// </summary>
public sealed class GatehouseApi : IAsyncDisposable
{
    public const string WebOrigin = "http://localhost:3000";

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private GatehouseApi(Process process, string directory, Uri url, ECDsa signingKey)
    {
        _process = process;
        _directory = directory;
        Url = url;
        SigningKey = signingKey;
    }

    public Uri Url { get; }

    /// <summary>The private key Gatehouse signs with.</summary>
    public ECDsa SigningKey { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<GatehouseApi> StartAsync()
    {
        var dll = Environment.GetEnvironmentVariable("GATEHOUSE_API_DLL") ?? FindApiDll();
        var directory = Directory.CreateTempSubdirectory("gatehouse-sample-").FullName;
        var signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyPath = Path.Combine(directory, "signing-key.pem");
        File.WriteAllText(keyPath, signingKey.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var name in new[] { "FRONTEND_URL", "JWT_SECRET", "ASPNETCORE_URLS", "DOTNET_ENVIRONMENT", "ConnectionStrings__Default", "Redis__Configuration" })
        {
            start.Environment.Remove(name);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_CONTENTROOT"] = Path.GetDirectoryName(dll);
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["FRONTEND_URL"] = WebOrigin;
        start.Environment["Gatehouse__Data__Directory"] = directory;
        start.Environment["Gatehouse__Tokens__SigningKeyPath"] = keyPath;
        start.Environment["Gatehouse__RateLimits__Enabled"] = "false";

        var api = new GatehouseApi(Process.Start(start)!, directory, new Uri($"http://127.0.0.1:{port}"), signingKey);
        api._process.OutputDataReceived += (_, e) => api.Append(e.Data);
        api._process.ErrorDataReceived += (_, e) => api.Append(e.Data);
        api._process.BeginOutputReadLine();
        api._process.BeginErrorReadLine();

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60) && !api._process.HasExited)
        {
            try
            {
                if ((await client.GetAsync(new Uri(api.Url, "/health/ready"))).IsSuccessStatusCode)
                {
                    return api;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        await api.DisposeAsync();
        throw new InvalidOperationException($"Gatehouse did not start at {api.Url}:\n{api.Output}");
    }

    /// <summary>Logs in through Gatehouse's own endpoint; the handler keeps the session's cookies.</summary>
    public async Task<Session> LogInAsync(string username = "john", string password = "password123")
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = Url };
        var response = await client.PostAsJsonAsync("/auth/login", new { username, password });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var token = cookies.GetCookies(Url)["access_token"]?.Value;
        Assert.False(string.IsNullOrEmpty(token), "Gatehouse set no access_token cookie");
        return new Session(client, token);
    }

    /// <summary>Signs up a new user (no roles) through Gatehouse's own endpoint, then logs in as them.</summary>
    public async Task<Session> SignUpAndLogInAsync()
    {
        var username = "reader" + Guid.NewGuid().ToString("N")[..10];
        var password = "a long sample password " + Guid.NewGuid().ToString("N");
        using var client = new HttpClient { BaseAddress = Url };
        var response = await client.PostAsJsonAsync("/auth/register", new { username, password, email = $"{username}@example.com" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await LogInAsync(username, password);
    }

    /// <summary>The key id Gatehouse puts in its tokens' headers, from its JWK set.</summary>
    public async Task<string> KeyIdAsync()
    {
        using var client = new HttpClient();
        var jwks = await client.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri(Url, "/.well-known/jwks.json"));
        return jwks.GetProperty("keys")[0].GetProperty("kid").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        SigningKey.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A signed-in browser session: its access token, and a client that holds its cookies.</summary>
    public sealed record Session(HttpClient Client, string AccessToken)
    {
        /// <summary>Logs out as the web app does (its origin, its cookies): Gatehouse revokes the session.</summary>
        public async Task LogOutAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
            request.Headers.Add("Origin", WebOrigin);
            var response = await Client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    private static string FindApiDll()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "server", "src", "Gatehouse.Api", "bin", "Release", "net10.0", "Gatehouse.Api.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            "Gatehouse.Api.dll was not found. Build the API first (dotnet build server/src/Gatehouse.Api -c Release) or set GATEHOUSE_API_DLL.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
