using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Api.Data;
using Gatehouse.Api.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>The session endpoints as a client uses them, with the tokens passed explicitly when a test needs to replay one.</summary>
public static class SessionApi
{
    /// <summary>Signs in a fresh user on a cookie-less client and returns both token values.</summary>
    public static async Task<(string Username, string Access, string Refresh)> SignInAsync(this GatehouseFactory factory, string? username = null)
    {
        var client = factory.CreateClient();
        username ??= TestApi.NewUsername();
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        var (access, refresh) = await factory.LogInAsync(username);
        return (username, access, refresh);
    }

    /// <summary>Signs in again as an existing user (a second device) and returns both token values.</summary>
    public static async Task<(string Access, string Refresh)> LogInAsync(this GatehouseFactory factory, string username, string password = TestApi.StrongPassword)
    {
        var login = await factory.Bare().LoginAsync(username, password);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (TestApi.AccessTokenCookie(login)!.Value.ToString(), TestApi.RefreshTokenCookie(login)!.Value.ToString());
    }

    public static HttpClient Bare(this GatehouseFactory factory) =>
        factory.CreateClient(new() { HandleCookies = false, BaseAddress = new Uri(GatehouseFactory.Origin) });

    public static Task<HttpResponseMessage> RefreshAsync(this GatehouseFactory factory, string refresh) =>
        factory.Bare().RefreshWithAsync(refresh);

    /// <summary>Presents a refresh token by hand (as a thief holding a copy would), whatever the client's own cookies.</summary>
    public static Task<HttpResponseMessage> RefreshWithAsync(this HttpClient client, string refresh)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/refresh");
        request.Headers.Add("Cookie", $"refresh_token={refresh}");
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendAsync(this GatehouseFactory factory, HttpMethod method, string path, string access, object? body = null)
    {
        var request = TestApi.WithToken(method, path, access);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return factory.Bare().SendAsync(request);
    }

    public static async Task<HttpStatusCode> MeStatusAsync(this GatehouseFactory factory, string access) =>
        (await factory.SendAsync(HttpMethod.Get, "/auth/me", access)).StatusCode;

    public static async Task<JsonElement[]> SessionsAsync(this GatehouseFactory factory, string access)
    {
        var body = await (await factory.SendAsync(HttpMethod.Get, "/auth/sessions", access)).JsonAsync(HttpStatusCode.OK);
        return body.GetProperty("sessions").EnumerateArray().ToArray();
    }

    public static (string Access, string Refresh) Tokens(HttpResponseMessage response) =>
        (TestApi.AccessTokenCookie(response)!.Value.ToString(), TestApi.RefreshTokenCookie(response)!.Value.ToString());

    /// <summary>The session a refresh token belongs to (retired or not), found by its stored hash.</summary>
    public static Guid SessionOf(this GatehouseFactory factory, string refresh)
    {
        var hash = HashOf(refresh);
        return factory.Query(db => db.RefreshTokens.AsNoTracking().Single(t => t.TokenHash == hash).SessionId);
    }

    /// <summary>The hash a refresh token is stored under.</summary>
    public static byte[] HashOf(string refresh)
    {
        Assert.True(RefreshTokenValue.TryDecode(refresh, out var raw));
        return RefreshTokenValue.Hash(raw);
    }

    /// <summary>Reads the database directly, as an operator would.</summary>
    public static T Query<T>(this GatehouseFactory factory, Func<GatehouseDbContext, T> query)
    {
        using var scope = factory.Services.CreateScope();
        return query(scope.ServiceProvider.GetRequiredService<GatehouseDbContext>());
    }

    public static async Task<T> QueryAsync<T>(this GatehouseFactory factory, Func<GatehouseDbContext, Task<T>> query)
    {
        using var scope = factory.Services.CreateScope();
        return await query(scope.ServiceProvider.GetRequiredService<GatehouseDbContext>());
    }
}

/// <summary>
/// Cookies kept with a browser's rules (CookieContainer: domain, path, prefixes), so a test sends a
/// path only the cookies a browser would send there.
/// </summary>
public sealed class BrowserJar
{
    private static readonly Uri Site = new(GatehouseFactory.Origin);
    private readonly CookieContainer _cookies = new();

    public void Store(HttpResponseMessage response)
    {
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            _cookies.SetCookies(Site, header);
        }
    }

    /// <summary>The Cookie header for a request to <paramref name="path"/>, without the cookies named as expired.</summary>
    public string HeaderFor(string path, params string[] expired) =>
        string.Join("; ", _cookies.GetCookies(new Uri(Site, path)).Where(c => !expired.Contains(c.Name)).Select(c => $"{c.Name}={c.Value}"));
}
