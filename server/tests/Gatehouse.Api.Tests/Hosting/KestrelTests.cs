using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Hosting;

/// <summary>The real process on Kestrel: the original design's PORT, ENVIRONMENT=DEV and .env.</summary>
public sealed class KestrelTests : IDisposable
{
    private readonly string _directory = GatehouseFactory.NewDataDirectory();
    private readonly int _port = ApiProcess.FreePort();

    private string Url(string path) => $"http://127.0.0.1:{_port}{path}";

    [Fact]
    public async Task Environment_dev_and_port_serve_the_demo_user_on_loopback()
    {
        await using var api = StartOnPort("ENVIRONMENT", "DEV");
        Assert.True(await api.WaitUntilServingAsync(Url("/health"), TimeSpan.FromSeconds(30)), api.Output);

        using var client = new HttpClient();
        var login = await client.PostAsJsonAsync(Url("/auth/login"), new { username = "john", password = "password123" });

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = TestApi.AccessTokenCookie(login)!;
        Assert.False(cookie.Secure); // Development over plain http
        // Development's console is quiet: no start-up notes, no request or audit lines (run.sh's banner stays in view).
        Assert.DoesNotContain("info:", api.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_development_logging_default_information_brings_the_information_lines_back()
    {
        await using var api = ApiProcess.Start(_directory, new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["PORT"] = _port.ToString(CultureInfo.InvariantCulture),
            ["Gatehouse__Data__Directory"] = _directory,
            ["Logging__LogLevel__Default"] = "Information",
        });
        Assert.True(await api.WaitUntilServingAsync(Url("/health"), TimeSpan.FromSeconds(30)), api.Output);

        Assert.Contains($"Now listening on: http://127.0.0.1:{_port}", api.Output);
        Assert.Contains("Created a Development signing key", api.Output); // the first start says so, as information
    }

    [Fact]
    public async Task A_dotenv_file_in_the_working_folder_is_loaded()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, ".env"),
            $"PORT={_port}\nENVIRONMENT=DEV\nGatehouse__Data__Directory={_directory}\n");
        await using var api = ApiProcess.Start(_directory, new Dictionary<string, string?>());

        Assert.True(await api.WaitUntilServingAsync(Url("/health/ready"), TimeSpan.FromSeconds(30)), api.Output);
        Assert.True(File.Exists(Path.Combine(_directory, "gatehouse.db")));
    }

    [Fact]
    public async Task A_chunked_body_over_16_kib_gets_413_from_kestrel()
    {
        await using var api = StartOnPort("ASPNETCORE_ENVIRONMENT", "Development");
        Assert.True(await api.WaitUntilServingAsync(Url("/health"), TimeSpan.FromSeconds(30)), api.Output);
        var body = "{\"username\":\"john\",\"password\":\"" + new string('x', 20 * 1024) + "\"}";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, Url("/auth/login")) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var client = new HttpClient();
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("http://localhost:3000", HttpStatusCode.OK)]
    [InlineData("http://127.0.0.1:3000", HttpStatusCode.OK)] // the address `next start` prints
    [InlineData("http://127.0.0.1:4000", HttpStatusCode.Forbidden)]
    public async Task Without_FRONTEND_URL_a_log_in_from_the_web_app_on_either_loopback_name_is_allowed(string origin, HttpStatusCode expected)
    {
        await using var api = StartOnPort("ASPNETCORE_ENVIRONMENT", "Development");
        Assert.True(await api.WaitUntilServingAsync(Url("/health"), TimeSpan.FromSeconds(30)), api.Output);
        // As `npm run dev` / `npm start` forward it from the page to the API.
        var request = new HttpRequestMessage(HttpMethod.Post, Url("/auth/login"))
        {
            Content = JsonContent.Create(new { username = "john", password = "password123" }),
        };
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Sec-Fetch-Site", "same-origin");

        using var client = new HttpClient();
        var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    private ApiProcess StartOnPort(string environmentVariable, string environment) =>
        ApiProcess.Start(_directory, new Dictionary<string, string?>
        {
            [environmentVariable] = environment,
            ["PORT"] = _port.ToString(CultureInfo.InvariantCulture),
            ["Gatehouse__Data__Directory"] = _directory,
        });

    public void Dispose() => GatehouseFactory.DeleteDataDirectory(_directory);
}
