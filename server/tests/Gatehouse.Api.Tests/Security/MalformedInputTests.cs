using System.Net;
using System.Text;
using System.Text.Json;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Security;

/// <summary>
/// Every operation the API's own OpenAPI document lists gets malformed content types, bodies, query
/// and path values, headers and cookies, anonymous and signed in. Each answer must be a 4xx (or the
/// normal 2xx/401 where the input is rightly ignored), every non-2xx problem+json without a stack
/// trace, never a 5xx, and nothing may be logged at Error level. New endpoints join by being mapped.
/// </summary>
public sealed class MalformedInputTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public Task Malformed_input_to_every_operation_from_an_anonymous_client_gets_a_4xx_problem_and_never_a_5xx() =>
        ProbeEveryOperationAsync(signedIn: false);

    [Fact]
    public Task Malformed_input_to_every_operation_from_a_signed_in_client_gets_a_4xx_problem_and_never_a_5xx() =>
        ProbeEveryOperationAsync(signedIn: true);

    private async Task ProbeEveryOperationAsync(bool signedIn)
    {
        var operations = await OperationsAsync();
        Assert.Contains(operations, o => o.Method == HttpMethod.Post && o.Path == "/auth/login" && o.BodyProperties.Count > 0);
        Assert.Contains(operations, o => o.Path == "/auth/revocations" && o.Query.Contains("after"));
        var errorsBefore = ErrorLines().Count;
        var session = signedIn ? await SignInAsync() : null;
        var failures = new List<string>();
        var sent = 0;
        var client = factory.Bare();

        foreach (var operation in operations)
        {
            foreach (var probe in Probes(operation))
            {
                var request = probe.Build();
                if (session is not null)
                {
                    // The probe's own cookies come after the session's, so a duplicate of a name is the last one sent.
                    request.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", new[] { session.Cookie, probe.Cookie }.Where(c => c is not null)));
                }
                else if (probe.Cookie is not null)
                {
                    request.Headers.TryAddWithoutValidation("Cookie", probe.Cookie);
                }
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request);
                }
                catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException or IOException)
                {
                    failures.Add($"{operation.Method} {operation.Path} [{probe.Name}]: could not be sent: {exception.Message}");
                    continue;
                }
                sent++;
                if (await CheckAsync(response, probe.Expect) is { } failure)
                {
                    failures.Add($"{operation.Method} {operation.Path} [{probe.Name}]: {failure}");
                }
                // A probe the API rightly accepted may have ended or rotated the session: start a fresh one.
                if (session is not null && response.IsSuccessStatusCode && operation.Method != HttpMethod.Get)
                {
                    session = await SignInAsync();
                }
            }
        }

        Assert.True(sent > 500, $"only {sent} probes were sent");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} probes failed:\n" + string.Join('\n', failures.Take(60)));
        var errors = ErrorLines().Skip(errorsBefore).ToList();
        Assert.True(errors.Count == 0, "logged at Error level:\n" + string.Join('\n', errors.Take(10).Select(l => l.Length > 800 ? l[..800] : l)));
    }

    private enum Expect
    {
        /// <summary>A 4xx, and nothing else: the input is wrong and the API must say so.</summary>
        ClientError,

        /// <summary>Rightly ignored or refused: 2xx or 4xx.</summary>
        Answered,
    }

    private sealed record Operation(HttpMethod Method, string Path, IReadOnlyList<string> Query, IReadOnlyList<string> BodyProperties)
    {
        public bool TakesBody => BodyProperties.Count > 0;

        public bool IsSafe => Method == HttpMethod.Get;

        /// <summary>The path with a fresh id for every route parameter.</summary>
        public string Url(string? id = null) =>
            System.Text.RegularExpressions.Regex.Replace(Path, "\\{[^}]+\\}", id ?? Guid.NewGuid().ToString());

        /// <summary>A body of the operation's shape: every property a fresh, plausible string.</summary>
        public string PlausibleBody() =>
            JsonSerializer.Serialize(BodyProperties.ToDictionary(p => p, _ => "p" + Guid.NewGuid().ToString("N")));
    }

    private sealed record Session(string Access, string Refresh)
    {
        public string Cookie => $"access_token={Access}; refresh_token={Refresh}";
    }

    private sealed record Probe(string Name, Expect Expect, Func<HttpRequestMessage> Build, string? Cookie = null);

    private static IEnumerable<Probe> Probes(Operation operation)
    {
        var expectBodyRefused = operation.IsSafe ? Expect.Answered : Expect.ClientError;
        var expectBodyRead = operation.TakesBody ? Expect.ClientError : Expect.Answered;

        // Content types. Any non-JSON body on an unsafe method is refused, read or not (a cross-site
        // form could send it); a GET's body is never read.
        foreach (var contentType in new[]
        {
            "application/json; charset=utf-7", "application/json; charset=nonsense", "application/json; charset=utf-32",
            "application/json; charset=\"utf-7\"", "application/json; charset=\"utf-8\"", "application/json; charset=", "text/plain", "application/xml",
            "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json-garbage",
            ";;;", "application/", "*/*", "application/json; charset=utf-8; charset=utf-7",
        })
        {
            yield return new($"Content-Type: {contentType}", expectBodyRefused, () => WithBody(operation, Encoding.UTF8.GetBytes(operation.PlausibleBody()), contentType));
        }
        yield return new("a body without Content-Type", expectBodyRefused, () => WithBody(operation, Encoding.UTF8.GetBytes(operation.PlausibleBody()), null));

        // Bodies, sent as JSON.
        var bodies = new List<(string Name, byte[] Bytes)>
        {
            ("truncated JSON", Encoding.UTF8.GetBytes(operation.PlausibleBody() is { Length: > 3 } whole ? whole[..^3] : "{\"")),
            ("not JSON", "username=john&password=x"u8.ToArray()),
            ("empty", []),
            ("JSON null", "null"u8.ToArray()),
            ("an array", "[]"u8.ToArray()),
            ("a string", "\"text\""u8.ToArray()),
            ("a huge number", Encoding.ASCII.GetBytes(new string('9', 5000))),
            ("deep nesting", Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000))),
            ("deep nesting in a property", Encoding.ASCII.GetBytes("{\"a\":" + string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_001))),
            ("invalid UTF-8", [.. "{\"username\":\""u8, 0xC3, 0x28, 0xFF, .. "\",\"password\":\"x\"}"u8]),
            ("invalid UTF-8 in a name", [.. "{\""u8, 0xFE, 0xFF, .. "\":\"x\"}"u8]),
            ("a lone surrogate escape", "{\"username\":\"\\uD800\",\"password\":\"\\uDFFF\"}"u8.ToArray()),
            ("a NUL escape", "{\"username\":\"a\\u0000b\",\"password\":\"\\u0000\"}"u8.ToArray()),
            ("UTF-16 with a BOM", Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(operation.PlausibleBody())).ToArray()),
            ("a comment", "{/* hi */}"u8.ToArray()),
            ("a trailing comma", "{\"username\":\"x\",}"u8.ToArray()),
            ("duplicate properties", "{\"username\":\"x\",\"username\":\"y\",\"password\":\"z\"}"u8.ToArray()),
            ("over 16 KiB", Encoding.UTF8.GetBytes("{\"username\":\"" + new string('x', 20 * 1024) + "\"}")),
        };
        foreach (var property in operation.BodyProperties)
        {
            foreach (var (kind, value) in new[]
            {
                ("a number", "42"), ("a huge number", "1" + new string('0', 400)), ("1e999", "1e999"), ("a negative", "-1"),
                ("true", "true"), ("an array", "[\"x\"]"), ("an object", "{\"x\":1}"), ("null", "null"),
                ("a long string", "\"" + new string('x', 15 * 1024) + "\""),
            })
            {
                var body = operation.BodyProperties.ToDictionary(p => p, p => p == property ? value : JsonSerializer.Serialize("p" + Guid.NewGuid().ToString("N")));
                bodies.Add(($"{property} is {kind}", Encoding.UTF8.GetBytes("{" + string.Join(',', body.Select(p => $"\"{p.Key}\":{p.Value}")) + "}")));
            }
        }
        foreach (var (name, bytes) in bodies)
        {
            // A null field is valid JSON of the right shape, which the handler's own rules judge (an
            // email may be left out); every other body is wrong in a way the API must refuse.
            var expect = operation.IsSafe || name.EndsWith(" is null", StringComparison.Ordinal) ? Expect.Answered : expectBodyRead;
            yield return new($"body: {name}", expect, () => WithBody(operation, bytes, "application/json"));
            if (name == "over 16 KiB")
            {
                yield return new($"body: {name}, chunked", expect, () => WithBody(operation, bytes, "application/json", chunked: true));
            }
        }

        // Query values: the operation's own parameters get bad values; unknown ones are ignored.
        foreach (var parameter in operation.Query)
        {
            foreach (var value in new[]
            {
                "999999999999", "99999999999999999999999999", "253402300800", "-1", "-999999999999", "abc", "1.5", "1e3",
                " 1", "0x10", "%00", "%FF", "%ZZ", "", "%E2%80%AE123", "１２３",
            })
            {
                yield return new($"?{parameter}={value}", Expect.ClientError, () => Plain(operation, $"{operation.Url()}?{parameter}={value}"));
            }
            yield return new($"?{parameter} repeated", Expect.ClientError, () => Plain(operation, $"{operation.Url()}?{parameter}=1&{parameter}=2"));
            yield return new($"?{parameter} without a value", Expect.ClientError, () => Plain(operation, $"{operation.Url()}?{parameter}"));
        }
        foreach (var query in new[] { "x=1&x=2", "%ZZ=1", "a=%00", "=", "&&&", string.Concat(Enumerable.Repeat("k=v&", 500)) })
        {
            yield return new($"unknown query {(query.Length > 20 ? query[..20] + "…" : query)}", Expect.Answered, () => Plain(operation, $"{operation.Url()}?{query}"));
        }

        // Route values that do not fit the route: not found, never a crash.
        if (operation.Path.Contains('{'))
        {
            foreach (var id in new[] { "not-a-guid", "99999999999999999999", "-1", "%2e%2e", "%ZZ", new string('a', 4000), "00000000-0000-0000-0000-000000000000" })
            {
                yield return new($"route value {(id.Length > 20 ? id[..20] + "…" : id)}", Expect.ClientError, () => Plain(operation, operation.Url(id)));
            }
        }

        // Headers: answered as ever, or refused with a problem.
        var headers = new (string Name, string Value)[]
        {
            ("Authorization", "Bearer garbage"), ("Authorization", "Bearer"), ("Authorization", "Bearer a.b.c"),
            ("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."), ("Authorization", "Bearer " + new string('a', 16 * 1024)),
            ("Authorization", "Basic am9objpwYXNzd29yZDEyMw=="), ("Authorization", "Negotiate x"), ("Authorization", ",,,"), ("Authorization", "bearer " + new string('.', 100)),
            ("Origin", "garbage"), ("Origin", "null"), ("Origin", "http://"), ("Origin", "https://localhost:99999"), ("Origin", "https://" + new string('a', 8 * 1024)),
            ("Origin", "https://localhost, https://evil.example"), ("Referer", "::::"), ("Referer", "https://" + new string('a', 8 * 1024)),
            ("Sec-Fetch-Site", "garbage"), ("Sec-Fetch-Site", ""), ("Accept", "text/html"), ("Accept", "application/xml"), ("Accept", "garbage/"),
            ("Host", "evil.example"), ("Host", "evil.example:99999"), ("Host", "[::1"),
            ("X-Forwarded-For", "not-an-address, 999.1.1.1"), ("X-Forwarded-Proto", "gopher"), ("X-Forwarded-Host", "evil.example"),
            ("User-Agent", new string('u', 8 * 1024)), ("Content-Encoding", "gzip"), ("Transfer-Encoding", "garbage"), ("Range", "bytes=-1-"),
            ("If-None-Match", "\"" + new string('e', 4000) + "\""), ("X-Http-Method-Override", "DELETE"),
        };
        foreach (var (name, value) in headers)
        {
            yield return new($"{name}: {(value.Length > 40 ? value[..40] + "…" : value)}", Expect.Answered, () =>
            {
                var request = Plain(operation, operation.Url());
                if (name == "Origin")
                {
                    request.Headers.Remove("Origin");
                }
                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, value); // Content-Encoding, on requests with a body
                }
                return request;
            });
        }

        // Cookies: garbage, oversized, duplicated and wrong-cased session cookies are not a session.
        foreach (var cookie in new[]
        {
            "access_token=garbage", "refresh_token=garbage", "access_token=garbage; refresh_token=garbage",
            "access_token=" + new string('a', 5000), "refresh_token=" + new string('A', 5000), "access_token=a.b.c",
            "access_token=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "refresh_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "refresh_token=%ZZ", "refresh_token=%00%00", "access_token=\"quoted\"", "access_token=x; access_token=y",
            "refresh_token=x; refresh_token=y", "ACCESS_TOKEN=garbage; REFRESH_TOKEN=garbage", "__HOST-access_token=garbage",
            "__Secure-REFRESH_TOKEN=garbage", ";;;==;", "=", "access_token", "a=\u00e9", string.Join("; ", Enumerable.Range(0, 300).Select(i => $"c{i}=v")),
        })
        {
            yield return new($"Cookie: {(cookie.Length > 40 ? cookie[..40] + "…" : cookie)}", Expect.Answered, () => Plain(operation, operation.Url()), cookie);
        }
    }

    /// <summary>The operation with its plausible body, if it takes one, and the test's origin.</summary>
    private static HttpRequestMessage Plain(Operation operation, string url)
    {
        var request = new HttpRequestMessage(operation.Method, url);
        if (operation.TakesBody)
        {
            request.Content = new StringContent(operation.PlausibleBody(), Encoding.UTF8, "application/json");
        }
        return request;
    }

    private static HttpRequestMessage WithBody(Operation operation, byte[] bytes, string? contentType, bool chunked = false)
    {
        HttpContent content = chunked ? new StreamContent(new UnknownLengthStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = null;
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        return new HttpRequestMessage(operation.Method, operation.Url()) { Content = content };
    }

    private static async Task<string?> CheckAsync(HttpResponseMessage response, Expect expect)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        if (status >= 500)
        {
            return $"{status} {Short(body)}";
        }
        if (expect == Expect.ClientError && status is < 400 or >= 500)
        {
            return $"expected a 4xx, got {status} {Short(body)}";
        }
        if (status is < 200 or >= 300 and < 400 || status >= 600)
        {
            return $"unexpected {status}";
        }
        if (status >= 400)
        {
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return $"{status} is not problem+json but '{response.Content.Headers.ContentType}': {Short(body)}";
            }
            try
            {
                if (JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32() != status)
                {
                    return $"{status} has another status in its problem: {Short(body)}";
                }
            }
            catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return $"{status} has no readable problem: {Short(body)}";
            }
        }
        if (body.Contains("Exception", StringComparison.Ordinal) || body.Contains("   at ", StringComparison.Ordinal))
        {
            return $"{status} shows an exception: {Short(body)}";
        }
        return null;
    }

    private static string Short(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>Every operation of the API's own OpenAPI document, with its query parameters and body properties.</summary>
    private async Task<IReadOnlyList<Operation>> OperationsAsync()
    {
        using var document = JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        var operations = new List<Operation>();
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var entry in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(entry.Name.ToUpperInvariant());
                var query = entry.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
                    : [];
                var properties = new List<string>();
                if (entry.Value.TryGetProperty("requestBody", out var requestBody))
                {
                    var schema = requestBody.GetProperty("content").GetProperty("application/json").GetProperty("schema");
                    foreach (var reference in References(schema))
                    {
                        var name = reference.Split('/')[^1];
                        properties.AddRange(root.GetProperty("components").GetProperty("schemas").GetProperty(name).GetProperty("properties").EnumerateObject().Select(p => p.Name));
                    }
                }
                operations.Add(new Operation(method, path.Name, query, properties));
            }
        }
        Assert.True(operations.Count >= 12, $"the OpenAPI document lists only {operations.Count} operations");
        return operations;
    }

    private static IEnumerable<string> References(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            yield return reference.GetString()!;
        }
        foreach (var keyword in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema.TryGetProperty(keyword, out var list))
            {
                foreach (var inner in list.EnumerateArray().SelectMany(References))
                {
                    yield return inner;
                }
            }
        }
    }

    private async Task<Session> SignInAsync()
    {
        var (_, access, refresh) = await factory.SignInAsync();
        return new Session(access, refresh);
    }

    private List<string> ErrorLines() =>
        factory.Logs.Lines.Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal)).ToList();

    /// <summary>A body whose length is not known up front, so it is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
