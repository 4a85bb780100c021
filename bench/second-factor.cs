#:package Otp.NET@1.4.1
#:package System.Formats.Cbor@10.0.15
#:property PublishAot=false
// The client side of bench/run.sh's second-factor scenarios: users with an authenticator app and a
// passkey, and sign-ins that use them. Test tooling, not API code: the TOTP codes come from Otp.NET,
// and the passkeys from a software authenticator written here per the WebAuthn spec (ES256 keys,
// authenticatorData and clientDataJSON built by hand, attestation "none" written with
// System.Formats.Cbor), so the API's verification (Identity's PasskeyHandler) runs for real.
//
//   dotnet run bench/second-factor.cs -- enrol <api> <count> <totp|passkey|totp,passkey> <state-file>
//     Registers <count> users and, for each, turns on TOTP (setup + confirm with a code) and/or
//     registers a passkey, through the API as a user would. Writes one line per user to <state-file>:
//     username, TOTP secret, last TOTP step used, credential id, user handle, private key (PKCS#8),
//     tab-separated, base64url where binary.
//
//   dotnet run bench/second-factor.cs -- run <password|totp|passkey> <api> <seconds> <concurrency> <users-file>
//     Signs in over <concurrency> flows at once for <seconds>, then lets the flows in flight finish:
//       password  POST /auth/login (users-file: bench/run.sh's seeded users, no second factor)
//       totp      POST /auth/login → mfaRequired, POST /auth/login/mfa {code} with the pending cookie
//       passkey   POST /auth/passkeys/login/options, POST /auth/passkeys/login with a signed assertion
//     and prints one line in bench/load.lua's format, a "sign-in" being a whole flow:
//       BENCH ok=<sign-ins> failed=<n> broken=0 seconds=<wall> p50_ms=<flow> p99_ms=<flow> statuses=<s>=<n>,... api_ticks=<n>
//     api_ticks: with BENCH_API_PID set, the API process's CPU ticks (utime + stime, /proc) from the
//     first sign-in to the last one's end, less every pause in which all flows waited for a TOTP step
//     and none was in flight, so idle time is not charged to the sign-ins; else -1.
//     The API accepts each TOTP time step once per user, so a totp run takes for each sign-in a user
//     whose last step is behind the current one, uses the current or next step's code (both within
//     the API's one step either way), waits when every user has had its steps, and writes the steps
//     it used back to the state file for the next run.
//
// Environment: BENCH_ORIGIN (the allowed Origin for POSTs), BENCH_PASSWORD (every user's password).
// Cookies are kept per flow by hand, as bench/sessions.sh does: the API's __Host- cookies would be
// refused by a cookie jar over plain http.
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Formats.Cbor;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using OtpNet;

var origin = Environment.GetEnvironmentVariable("BENCH_ORIGIN") ?? "http://localhost:3000";
var password = Environment.GetEnvironmentVariable("BENCH_PASSWORD") ?? throw new InvalidOperationException("BENCH_PASSWORD is not set");
var invariant = CultureInfo.InvariantCulture;

if (args.Length == 5 && args[0] == "enrol")
{
    var api = new Api(args[1], origin, Environment.ProcessorCount * 2);
    var count = int.Parse(args[2], invariant);
    var factors = args[3].Split(',');
    var users = new User[count];
    var prefix = $"mfa-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant()}";
    await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, async (i, _) =>
        users[i] = await Enrol(api, $"{prefix}-{i}", factors.Contains("totp"), factors.Contains("passkey")));
    await File.WriteAllLinesAsync(args[4], users.Select(u => u.ToLine()));
    Console.Error.WriteLine($"enrolled {count} users ({args[3]})");
    return 0;
}
if (args.Length == 6 && args[0] == "run")
{
    var mode = args[1];
    var concurrency = int.Parse(args[4], invariant);
    var api = new Api(args[2], origin, concurrency);
    var seconds = double.Parse(args[3], invariant);
    var lines = await File.ReadAllLinesAsync(args[5]);
    var pauses = new Pauses(concurrency, Environment.GetEnvironmentVariable("BENCH_API_PID") is { Length: > 0 } pid ? int.Parse(pid, invariant) : null);
    Func<Api, Task<int>> signIn = mode switch
    {
        "password" => Users.RoundRobin(lines.Select(line => line.Split('\t')[0]).ToArray(), (a, name) => a.PasswordSignIn(name, password)),
        "totp" => Users.ByTotpStep(lines.Select(User.Parse).ToArray(), (a, user, step) => a.TotpSignIn(user, password, step), pauses),
        "passkey" => Users.RoundRobin(lines.Select(User.Parse).Where(u => u.CredentialId != "").ToArray(), (a, user) => a.PasskeySignIn(user)),
        _ => throw new ArgumentException($"unknown mode {mode}"),
    };
    var result = await Load.Run(api, signIn, seconds, concurrency, pauses);
    Console.WriteLine(result);
    if (mode == "totp") await File.WriteAllLinesAsync(args[5], Users.TotpUsers!.Select(u => u.ToLine()));
    return 0;
}
Console.Error.WriteLine("usage: second-factor.cs enrol <api> <count> <factors> <state-file> | run <mode> <api> <seconds> <concurrency> <users-file>");
return 2;

// One user through sign-up, sign-in and the set-up of each factor; throws with the step and the
// answer when the API refuses one.
async Task<User> Enrol(Api api, string name, bool totp, bool passkey)
{
    var cookies = new Cookies();
    await api.Post("/auth/register", new { username = name, email = $"{name}@example.com", password }, cookies, HttpStatusCode.Created);
    await api.Post("/auth/login", new { username = name, password }, cookies, HttpStatusCode.OK);
    var user = new User { Name = name };
    if (totp)
    {
        var setup = await api.Post("/auth/mfa/totp/setup", new { }, cookies, HttpStatusCode.OK);
        user.TotpSecret = setup["secret"]!.GetValue<string>().Replace(" ", "").ToUpperInvariant();
        var step = TotpCodes.CurrentStep();
        await api.Post("/auth/mfa/totp/confirm", new { code = TotpCodes.Code(user.TotpSecret, step) }, cookies, HttpStatusCode.OK);
        user.LastStep = step;
    }
    if (passkey)
    {
        var ceremony = await api.Post("/auth/passkeys/register/options", new { }, cookies, HttpStatusCode.OK);
        var credential = Authenticator.Register(user, Options(ceremony), origin);
        await api.Post("/auth/passkeys/register", new { ceremonyId = ceremony["ceremonyId"]!.GetValue<string>(), credential, name = "bench" }, cookies, HttpStatusCode.Created);
    }
    return user;
}

// The WebAuthn options, whether the API sends them as a JSON object or as a JSON string.
static JsonObject Options(JsonNode ceremony) => ceremony["options"] switch
{
    JsonObject options => options,
    JsonValue text => JsonNode.Parse(text.GetValue<string>())!.AsObject(),
    _ => throw new InvalidOperationException("the API answered no options"),
};

sealed class User
{
    public required string Name { get; init; }
    public string TotpSecret { get; set; } = "";
    public long LastStep { get; set; }
    public string CredentialId { get; set; } = "";
    public string UserHandle { get; set; } = "";
    public string PrivateKey { get; set; } = "";
    public ECDsa? Key { get; set; }

    public string ToLine() => string.Join('\t', Name, TotpSecret, LastStep.ToString(CultureInfo.InvariantCulture), CredentialId, UserHandle, PrivateKey);

    public static User Parse(string line)
    {
        var f = line.Split('\t');
        var user = new User { Name = f[0], TotpSecret = f[1], LastStep = long.Parse(f[2], CultureInfo.InvariantCulture), CredentialId = f[3], UserHandle = f[4], PrivateKey = f[5] };
        if (user.PrivateKey != "")
        {
            user.Key = ECDsa.Create();
            user.Key.ImportPkcs8PrivateKey(Base64Url.DecodeFromChars(user.PrivateKey), out _);
        }
        return user;
    }
}

static class TotpCodes
{
    // RFC 6238's time step (30 s), as every authenticator app and the API count it.
    public static long CurrentStep() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;

    public static string Code(string secret, long step) =>
        new OtpNet.Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * 30).UtcDateTime);
}

// A software authenticator (a platform passkey with user verification): one P-256 key per credential.
static class Authenticator
{
    const byte UserPresent = 0x01, UserVerified = 0x04, AttestedCredentialData = 0x40;

    // navigator.credentials.create(): a new key pair, attestation "none", as RegistrationResponseJSON.
    public static JsonObject Register(User user, JsonObject options, string origin)
    {
        var rpId = options["rp"]?["id"]?.GetValue<string>() ?? new Uri(origin).Host;
        var credentialId = RandomNumberGenerator.GetBytes(16);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = key.ExportParameters(includePrivateParameters: false).Q;

        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1); cose.WriteInt32(2);   // kty: EC2
        cose.WriteInt32(3); cose.WriteInt32(-7);  // alg: ES256
        cose.WriteInt32(-1); cose.WriteInt32(1);  // crv: P-256
        cose.WriteInt32(-2); cose.WriteByteString(point.X!);
        cose.WriteInt32(-3); cose.WriteByteString(point.Y!);
        cose.WriteEndMap();

        var authenticatorData = new List<byte>(AuthenticatorData(rpId, UserPresent | UserVerified | AttestedCredentialData));
        authenticatorData.AddRange(new byte[16]); // AAGUID: none
        authenticatorData.Add((byte)(credentialId.Length >> 8));
        authenticatorData.Add((byte)credentialId.Length);
        authenticatorData.AddRange(credentialId);
        authenticatorData.AddRange(cose.Encode());

        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt"); attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt"); attestation.WriteStartMap(0); attestation.WriteEndMap();
        attestation.WriteTextString("authData"); attestation.WriteByteString(authenticatorData.ToArray());
        attestation.WriteEndMap();

        user.CredentialId = Base64Url.EncodeToString(credentialId);
        user.UserHandle = options["user"]!["id"]!.GetValue<string>();
        user.PrivateKey = Base64Url.EncodeToString(key.ExportPkcs8PrivateKey());
        user.Key = key;
        return new JsonObject
        {
            ["id"] = user.CredentialId,
            ["rawId"] = user.CredentialId,
            ["type"] = "public-key",
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(ClientData("webauthn.create", options, origin)),
                ["attestationObject"] = Base64Url.EncodeToString(attestation.Encode()),
                ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData.ToArray()),
                ["publicKey"] = Base64Url.EncodeToString(key.ExportSubjectPublicKeyInfo()),
                ["publicKeyAlgorithm"] = -7,
                ["transports"] = new JsonArray("internal"),
            },
        };
    }

    // navigator.credentials.get(): an assertion over authenticatorData ‖ SHA-256(clientDataJSON), as
    // AuthenticationResponseJSON, with the user handle a discoverable credential returns.
    public static JsonObject Assert(User user, JsonObject options, string origin)
    {
        var rpId = options["rpId"]?.GetValue<string>() ?? new Uri(origin).Host;
        var authenticatorData = AuthenticatorData(rpId, UserPresent | UserVerified);
        var clientData = ClientData("webauthn.get", options, origin);
        var signature = user.Key!.SignData([.. authenticatorData, .. SHA256.HashData(clientData)], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new JsonObject
        {
            ["id"] = user.CredentialId,
            ["rawId"] = user.CredentialId,
            ["type"] = "public-key",
            ["authenticatorAttachment"] = "platform",
            ["clientExtensionResults"] = new JsonObject(),
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url.EncodeToString(clientData),
                ["authenticatorData"] = Base64Url.EncodeToString(authenticatorData),
                ["signature"] = Base64Url.EncodeToString(signature),
                ["userHandle"] = user.UserHandle,
            },
        };
    }

    // rpIdHash ‖ flags ‖ signCount (0: this authenticator keeps no counter, as synced passkeys do).
    static byte[] AuthenticatorData(string rpId, int flags) => [.. SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), (byte)flags, 0, 0, 0, 0];

    static byte[] ClientData(string type, JsonObject options, string origin) =>
        Encoding.UTF8.GetBytes(new JsonObject
        {
            ["type"] = type,
            ["challenge"] = options["challenge"]!.GetValue<string>(),
            ["origin"] = origin,
            ["crossOrigin"] = false,
        }.ToJsonString());
}

// The API over one connection pool; each flow keeps its own cookies.
sealed class Api(string baseUrl, string origin, int connections)
{
    readonly HttpClient client = new(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = connections })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(30),
    };

    // Sends a POST with the flow's cookies and the web origin, keeps the cookies it sets, and returns
    // the status and the JSON body (null when there is none).
    public async Task<(HttpStatusCode Status, JsonNode? Body)> Send(string path, object body, Cookies cookies)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Origin", origin);
        if (cookies.Header() is { } header) request.Headers.Add("Cookie", header);
        using var response = await client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var set)) cookies.Keep(set);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 && text[0] is '{' or '[' ? JsonNode.Parse(text) : null);
    }

    public async Task<JsonNode> Post(string path, object body, Cookies cookies, HttpStatusCode expected)
    {
        var (status, answer) = await Send(path, body, cookies);
        if (status != expected) throw new InvalidOperationException($"POST {path}: {(int)status} {answer?.ToJsonString()}");
        return answer ?? new JsonObject();
    }

    // Each returns 200 for a completed sign-in, else the status of the step that failed.
    public async Task<int> PasswordSignIn(string name, string password)
    {
        var (status, body) = await Send("/auth/login", new { username = name, password }, new Cookies());
        return status == HttpStatusCode.OK && body?["mfaRequired"] is null ? 200 : (int)status;
    }

    public async Task<int> TotpSignIn(User user, string password, long step)
    {
        var cookies = new Cookies();
        var (status, body) = await Send("/auth/login", new { username = user.Name, password }, cookies);
        if (status != HttpStatusCode.OK || body?["mfaRequired"]?.GetValue<bool>() != true) return status == HttpStatusCode.OK ? 600 : (int)status;
        (status, _) = await Send("/auth/login/mfa", new { code = TotpCodes.Code(user.TotpSecret, step) }, cookies);
        return (int)status;
    }

    public async Task<int> PasskeySignIn(User user)
    {
        var cookies = new Cookies();
        var (status, ceremony) = await Send("/auth/passkeys/login/options", new { }, cookies);
        if (status != HttpStatusCode.OK) return (int)status;
        var options = ceremony!["options"] is JsonObject o ? o : JsonNode.Parse(ceremony["options"]!.GetValue<string>())!.AsObject();
        var credential = Authenticator.Assert(user, options, origin);
        (status, _) = await Send("/auth/passkeys/login", new { ceremonyId = ceremony["ceremonyId"]!.GetValue<string>(), credential }, cookies);
        return (int)status;
    }
}

sealed class Cookies
{
    readonly Dictionary<string, string> values = [];

    public void Keep(IEnumerable<string> setCookies)
    {
        lock (values)
        {
            foreach (var line in setCookies)
            {
                var pair = line.Split(';', 2)[0];
                var equals = pair.IndexOf('=');
                if (equals <= 0) continue;
                var (name, value) = (pair[..equals].Trim(), pair[(equals + 1)..].Trim());
                if (value.Length == 0 || line.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)) values.Remove(name);
                else values[name] = value;
            }
        }
    }

    public string? Header()
    {
        lock (values) return values.Count == 0 ? null : string.Join("; ", values.Select(kv => $"{kv.Key}={kv.Value}"));
    }
}

static class Users
{
    public static User[]? TotpUsers;

    public static Func<Api, Task<int>> RoundRobin<T>(T[] users, Func<Api, T, Task<int>> signIn)
    {
        if (users.Length == 0) throw new InvalidOperationException("no users to sign in as");
        var next = -1;
        return api => signIn(api, users[(int)((uint)Interlocked.Increment(ref next) % users.Length)]);
    }

    // Each sign-in takes a user whose next step (its last used + 1, at least the current one) is at
    // most the next step, and reserves it; when there is none, it waits for the next step to begin.
    public static Func<Api, Task<int>> ByTotpStep(User[] users, Func<Api, User, long, Task<int>> signIn, Pauses pauses)
    {
        TotpUsers = users;
        var gate = new object();
        var cursor = 0;
        return async api =>
        {
            while (true)
            {
                var now = TotpCodes.CurrentStep();
                User? chosen = null;
                long step = 0;
                lock (gate)
                {
                    for (var i = 0; i < users.Length && chosen is null; i++)
                    {
                        var user = users[(cursor + i) % users.Length];
                        var candidate = Math.Max(user.LastStep + 1, now);
                        if (candidate > now + 1) continue;
                        (chosen, step) = (user, candidate);
                        user.LastStep = candidate;
                        cursor = (cursor + i + 1) % users.Length;
                    }
                }
                if (chosen is not null) return await signIn(api, chosen, step);
                var nextStep = DateTimeOffset.FromUnixTimeSeconds((now + 1) * 30) - DateTimeOffset.UtcNow;
                pauses.Enter();
                await Task.Delay(nextStep > TimeSpan.Zero ? nextStep : TimeSpan.FromMilliseconds(10));
                pauses.Leave();
            }
        };
    }
}

// The API's CPU time, read from /proc as bench/run.sh reads it, with the time in which every flow
// waited for the next TOTP step (none in flight, so the API only idled) left out.
sealed class Pauses(int flows, int? apiPid)
{
    readonly object gate = new();
    int waiting;
    long? pausedAt;
    long paused;

    public long Ticks()
    {
        if (apiPid is null) return 0;
        var stat = File.ReadAllText($"/proc/{apiPid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    public void Enter()
    {
        lock (gate) if (++waiting == flows) pausedAt = Ticks();
    }

    public void Leave()
    {
        lock (gate)
        {
            if (waiting-- == flows && pausedAt is { } start) paused += Ticks() - start;
            pausedAt = null;
        }
    }

    public long ApiTicks(long start) => apiPid is null ? -1 : Ticks() - start - paused;
}

static class Load
{
    // <concurrency> flows start sign-ins until <seconds> have passed; the ones in flight then finish
    // and count, and the time runs to the last one's end.
    public static async Task<string> Run(Api api, Func<Api, Task<int>> signIn, double seconds, int concurrency, Pauses pauses)
    {
        var ticks = pauses.Ticks();
        var latencies = new ConcurrentBag<double>();
        var statuses = new ConcurrentDictionary<int, int>();
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (wall.Elapsed.TotalSeconds < seconds)
            {
                var started = wall.Elapsed.TotalMilliseconds;
                int status;
                try { status = await signIn(api); }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { status = 0; }
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status == 200) latencies.Add(wall.Elapsed.TotalMilliseconds - started);
            }
        })));
        var elapsed = wall.Elapsed.TotalSeconds;
        var apiTicks = pauses.ApiTicks(ticks);
        var sorted = latencies.OrderBy(x => x).ToArray();
        double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var ok = statuses.GetValueOrDefault(200);
        var failed = statuses.Where(kv => kv.Key != 200).Sum(kv => kv.Value);
        var all = string.Join(',', statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));
        return FormattableString.Invariant(
            $"BENCH ok={ok} failed={failed} broken=0 seconds={elapsed:F3} p50_ms={Percentile(0.5):F2} p99_ms={Percentile(0.99):F2} statuses={all} api_ticks={apiTicks}");
    }
}
