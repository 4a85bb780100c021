using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Gatehouse.Cluster.Tests.Infrastructure;

/// <summary>
/// One user's browser: its own cookie jar and its own client address, and the web app's Origin on
/// every unsafe request (the API's CSRF defence). The same browser can talk to instance A, instance
/// B or nginx, as a real one is sent to either by the balancer.
/// </summary>
/// <remarks>
/// The cookies are kept by hand: in Production they are Secure (and __Host-/__Secure- prefixed),
/// which a CookieContainer would not send over the suite's plain-http loopback. Each browser binds
/// its own 127.x.y.z address (all of 127/8 is loopback on Linux), so per-address rate limits see
/// one client per browser, through nginx (by X-Forwarded-For) and directly alike.
/// </remarks>
public sealed class Browser : IDisposable
{
    public const string Password = "correct horse battery staple";

    private static int s_nextAddress;

    private readonly HttpClient _http;
    private readonly Dictionary<string, (string Value, string Path)> _cookies;

    public Browser(string origin) : this(origin, NextAddress(), [])
    {
    }

    private Browser(string origin, IPAddress address, Dictionary<string, (string, string)> cookies)
    {
        Origin = origin;
        Address = address;
        _cookies = cookies;
        var handler = new SocketsHttpHandler
        {
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(address, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(20) };
    }

    public string Origin { get; }

    public IPAddress Address { get; }

    public string? Username { get; private set; }

    /// <summary>The access token cookie's value (whatever its prefix), or null.</summary>
    public string? AccessToken => Cookie("access_token");

    /// <summary>The refresh token cookie's value (whatever its prefix), or null.</summary>
    public string? RefreshToken => Cookie("refresh_token");

    /// <summary>Another browser holding a copy of this one's cookies, from another address: a second tab, or a thief.</summary>
    public Browser CopyCookies() =>
        new(Origin, NextAddress(), new Dictionary<string, (string, string)>(_cookies)) { Username = Username };

    /// <summary>
    /// One request to <paramref name="server"/>. <paramref name="host"/>: the Host header to send instead
    /// of the server's own, as nginx passes the browser's on to whichever instance it picks.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(Uri server, HttpMethod method, string path, object? body = null, string? host = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(server, path));
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        if (method != HttpMethod.Get && method != HttpMethod.Head)
        {
            request.Headers.Add("Origin", Origin);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        string cookieHeader;
        lock (_cookies)
        {
            cookieHeader = string.Join("; ", _cookies
                .Where(c => path.StartsWith(c.Value.Path, StringComparison.Ordinal))
                .Select(c => $"{c.Key}={c.Value.Value}"));
        }
        if (cookieHeader.Length > 0)
        {
            request.Headers.Add("Cookie", cookieHeader);
        }
        var response = await _http.SendAsync(request);
        Keep(response);
        return response;
    }

    public Task<HttpResponseMessage> GetAsync(Uri server, string path) => SendAsync(server, HttpMethod.Get, path);

    public Task<HttpResponseMessage> PostAsync(Uri server, string path, object? body = null) => SendAsync(server, HttpMethod.Post, path, body);

    /// <summary>Creates an account with a fresh name and signs in with it.</summary>
    public async Task SignUpAndLogInAsync(Uri server, string prefix = "cluster")
    {
        var username = $"{prefix}_{Guid.NewGuid():N}";
        username = username[..Math.Min(40, username.Length)];
        // Sign-up needs an address by default (Gatehouse:Accounts:RequireEmail).
        var register = await PostAsync(server, "/auth/register", new { username, password = Password, email = $"{username}@example.com" });
        Assert.True(register.StatusCode == HttpStatusCode.Created, await Describe(register));
        Username = username;
        var login = await LogInAsync(server);
        Assert.True(login.StatusCode == HttpStatusCode.OK, await Describe(login));
    }

    public Task<HttpResponseMessage> LogInAsync(Uri server, string? password = null) =>
        PostAsync(server, "/auth/login", new { username = Username, password = password ?? Password });

    public Task<HttpResponseMessage> LogInAsAsync(Uri server, string username, string password) =>
        PostAsync(server, "/auth/login", new { username, password });

    /// <summary>GET /auth/me; the username it names when it answers 200.</summary>
    public async Task<(HttpStatusCode Status, string? Username)> MeAsync(Uri server)
    {
        var response = await GetAsync(server, "/auth/me");
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }
        var me = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, me.GetProperty("username").GetString());
    }

    /// <summary>Status, problem code and body, for assertion messages.</summary>
    public static async Task<string> Describe(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {await response.Content.ReadAsStringAsync()}";

    public void Dispose() => _http.Dispose();

    private string? Cookie(string baseName)
    {
        lock (_cookies)
        {
            return _cookies.FirstOrDefault(c => c.Key == baseName || c.Key.EndsWith("-" + baseName, StringComparison.Ordinal)).Value.Value;
        }
    }

    /// <summary>Applies Set-Cookie as a browser would: a value sets the cookie, an empty one deletes it.</summary>
    private void Keep(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var lines))
        {
            return;
        }
        lock (_cookies)
        {
            foreach (var line in lines)
            {
                var parts = line.Split(';', StringSplitOptions.TrimEntries);
                var equals = parts[0].IndexOf('=', StringComparison.Ordinal);
                var (name, value) = (parts[0][..equals], parts[0][(equals + 1)..]);
                var path = parts.Skip(1).FirstOrDefault(p => p.StartsWith("path=", StringComparison.OrdinalIgnoreCase))?[5..] ?? "/";
                if (value.Length == 0)
                {
                    _cookies.Remove(name);
                }
                else
                {
                    _cookies[name] = (value, path);
                }
            }
        }
    }

    private static IPAddress NextAddress()
    {
        var n = Interlocked.Increment(ref s_nextAddress);
        // 127.a.b.c with a and c from 1 to 254: never 127.0.0.1, the address nginx itself calls from.
        return new IPAddress([127, (byte)(1 + n / (254 * 256) % 254), (byte)(n / 254 % 256), (byte)(1 + n % 254)]);
    }
}

/// <summary>Helpers for reading tokens in assertions.</summary>
public static class Jwt
{
    /// <summary>The key id in a JWT's header: which signing key made it.</summary>
    public static string KeyId(string token)
    {
        var header = token.Split('.')[0].Replace('-', '+').Replace('_', '/');
        header = header.PadRight(header.Length + (4 - header.Length % 4) % 4, '=');
        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(header)));
        return json.RootElement.GetProperty("kid").GetString()!;
    }
}
