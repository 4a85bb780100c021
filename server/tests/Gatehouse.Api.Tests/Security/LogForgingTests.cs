using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Api.Hosting;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tests.Security;

/// <summary>
/// A CR/LF (or any control character) in a request path, a username or a header reaches log
/// messages; it must never start a console line of its own. Outside Development the console writes
/// JSON, one object a line; in Development, text with control characters escaped.
/// </summary>
public sealed class LogForgingTests : IDisposable
{
    private readonly string _directory = GatehouseFactory.NewDataDirectory();
    private readonly string _marker = "FORGED-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task In_development_a_crlf_in_a_path_or_a_username_is_escaped_in_the_text_console()
    {
        var output = await ForgeAsync("Development");

        Assert.Contains($"\\r\\nwarn: {_marker}", output, StringComparison.Ordinal); // it reached the log, escaped
        AssertNoForgedLine(output);
        Assert.DoesNotContain(Lines(output), line => line.TrimStart().StartsWith('{')); // text, not JSON
    }

    [Fact]
    public async Task In_production_the_console_writes_json_and_a_crlf_stays_inside_its_string()
    {
        var output = await ForgeAsync("Production");

        AssertNoForgedLine(output);
        var entries = Lines(output).Select(line => JsonDocument.Parse(line).RootElement).ToList(); // every line is one JSON entry
        var messages = entries.Select(e => e.GetProperty("Message").GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains($"\r\nwarn: {_marker}", StringComparison.Ordinal)); // intact inside its entry
        Assert.Contains(entries, e => e.GetProperty("Category").GetString() == "Gatehouse.Security.Csrf");
    }

    [Theory]
    [InlineData("Development", null, EscapedTextConsoleFormatter.FormatterName)]
    [InlineData("Production", null, ConsoleFormatterNames.Json)]
    [InlineData("Production", "simple", EscapedTextConsoleFormatter.FormatterName)]
    [InlineData("Development", "json", ConsoleFormatterNames.Json)]
    public void The_console_formatter_is_json_outside_development_and_escaped_text_in_it(string environment, string? configured, string expected)
    {
        using var services = Logging(environment, configured);

        Assert.Equal(expected, services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }

    [Theory]
    [InlineData("\r\nwarn: Forged[0]", "\\r\\nwarn: Forged[0]")]
    [InlineData("\rinfo: over", "\\rinfo: over")]
    [InlineData("\u001B[2Jcleared", "\\u001B[2Jcleared")]
    [InlineData("next\u2028line\u0085", "next\\u2028line\\u0085")]
    [InlineData("right\u202Eto-left", "right\\u202Eto-left")]
    public void The_text_formatter_escapes_control_characters_in_messages_scopes_and_exceptions(string payload, string escaped)
    {
        using var services = Logging("Development", null);
        var formatter = services.GetServices<ConsoleFormatter>().Single(f => f.Name == EscapedTextConsoleFormatter.FormatterName);
        var scopes = new LoggerExternalScopeProvider();
        using var scope = scopes.Push("RequestPath:/auth/" + payload);
        using var writer = new StringWriter();

        formatter.Write(new LogEntry<string>(LogLevel.Warning, "Gatehouse.Test", new EventId(1), "user " + payload,
            new InvalidOperationException("bad " + payload), static (state, _) => state), scopes, writer);
        var written = writer.ToString();

        Assert.Contains("user " + escaped, written, StringComparison.Ordinal);
        Assert.Contains("bad " + escaped, written, StringComparison.Ordinal);
        Assert.DoesNotContain(payload, written, StringComparison.Ordinal);
        Assert.False(written.Any(c => char.IsControl(c) && c != '\n'), written); // no CR, ESC or C1 at all
        // Each line the formatter writes is its own: the entry's header line, then indented continuations.
        Assert.All(written.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1), line => Assert.StartsWith(" ", line));
    }

    [Fact]
    public void Text_without_control_characters_is_written_as_it_is()
    {
        Assert.Same("POST /auth/login ü 日本", LogText.Escape("POST /auth/login ü 日本"));
    }

    /// <summary>
    /// The real process, in <paramref name="environment"/> with its default console formatter, sent
    /// a CR/LF in a path (logged by the CSRF defence and the request log) and in usernames.
    /// </summary>
    private async Task<string> ForgeAsync(string environment)
    {
        var port = ApiProcess.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var settings = new Dictionary<string, string?>(TestDatabase.EnvironmentFor(_directory))
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["Gatehouse__Data__Directory"] = _directory,
            ["Logging__Console__FormatterName"] = "", // the environment's own default, not the suite's pin
            // Everything the app and ASP.NET Core would say about a request, so any place a value is logged shows.
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
            ["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning",
        };
        if (environment != "Development")
        {
            using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            settings["Gatehouse__Tokens__SigningKey"] = key.ExportPkcs8PrivateKeyPem();
            settings["Gatehouse__Mfa__EncryptionKey"] = GatehouseFactory.MfaEncryptionKey;
            // Production needs an SMTP server or mail turned off; this test sends none.
            settings["Gatehouse__Email__Enabled"] = "false";
        }
        await using var api = ApiProcess.Start(_directory, settings);
        Assert.True(await api.WaitUntilServingAsync($"{url}/health", TimeSpan.FromSeconds(30)), api.Output);

        var payload = $"\r\nwarn: {_marker}[0]\r\n";
        using var client = new HttpClient();
        // A path the CSRF defence refuses (a foreign Origin) and logs as a warning; it is percent-decoded first.
        using (var refused = new HttpRequestMessage(HttpMethod.Post, $"{url}/auth/login{Uri.EscapeDataString(payload)}") { Content = JsonContent.Create(new { }) })
        {
            refused.Headers.Add("Origin", "https://evil.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(refused)).StatusCode);
        }
        var origin = new Uri(url).GetLeftPart(UriPartial.Authority);
        foreach (var path in new[] { "/auth/login", "/auth/register" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url + path)
            {
                Content = JsonContent.Create(new { username = "mallory" + payload, password = "not-the-password-" + _marker }),
            };
            request.Headers.Add("Origin", origin);
            (await client.SendAsync(request)).Dispose();
        }
        (await client.GetAsync($"{url}/{Uri.EscapeDataString(payload)}")).Dispose();

        // The console logger writes from a queue: wait until the lines are out.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!api.Output.Contains(_marker, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        await Task.Delay(500);
        return api.Output;
    }

    private void AssertNoForgedLine(string output) =>
        Assert.DoesNotContain(Lines(output), line => line.TrimStart().StartsWith($"warn: {_marker}", StringComparison.Ordinal));

    private static IEnumerable<string> Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static ServiceProvider Logging(string environment, string? formatterName)
    {
        var services = new ServiceCollection();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Console:FormatterName"] = formatterName })
            .Build();
        services.AddLogging(logging =>
        {
            logging.AddConfiguration(configuration);
            logging.AddGatehouseConsoleFormatters(new HostingEnvironment { EnvironmentName = environment });
        });
        return services.BuildServiceProvider();
    }

    public void Dispose() => GatehouseFactory.DeleteDataDirectory(_directory);
}
