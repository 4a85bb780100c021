using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Security;

/// <summary>Passwords and tokens never reach a log line, whatever the outcome.</summary>
public sealed class LogHygieneTests
{
    [Fact]
    public async Task No_password_or_token_appears_in_the_logs()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        var password = "secret-" + Guid.NewGuid().ToString("N");
        var username = TestApi.NewUsername();

        await client.RegisterAsync(username, password);
        var login = await client.LoginAsync(username, password);
        var token = TestApi.AccessTokenCookie(login)!.Value.ToString();
        await client.LoginAsync(username, password + "-wrong");
        await client.LoginAsync("nobody-here", password);
        await client.GetAsync("/auth/me");
        var tampered = token[..^4] + "AAAA";
        await factory.CreateClient(new() { HandleCookies = false }).SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", tampered));
        await client.PostAsync("/auth/logout", null);
        await factory.CreateClient(new() { HandleCookies = false }).SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token));
        await client.PostAsJsonAsync("/auth/register", new { username = "x", password });

        var logs = factory.Logs.All;
        Assert.Contains("Audit sign_in success", logs); // the sink did capture the app's logs
        Assert.DoesNotContain(password, logs);
        Assert.DoesNotContain(token, logs);
        Assert.DoesNotContain(token.Split('.')[2], logs); // not even the signature
        Assert.DoesNotContain(tampered.Split('.')[2], logs);
        Assert.DoesNotContain("BEGIN PRIVATE KEY", logs);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }
}
