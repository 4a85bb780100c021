using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>Small helpers that speak the API's HTTP, so tests read as what a client does.</summary>
public static class TestApi
{
    public const string StrongPassword = "correct horse battery staple";

    /// <summary>A username no other test uses.</summary>
    public static string NewUsername(string prefix = "user")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}";
        return name.Length > 40 ? name[..40] : name;
    }

    /// <summary>
    /// Signs up; sign-up needs an address (Gatehouse:Accounts:RequireEmail), so without one the user
    /// gets <see cref="EmailFor"/>. Tests of sign-up without an address post the body themselves.
    /// </summary>
    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient client, string username, string password = StrongPassword, string? email = null) =>
        client.PostAsJsonAsync("/auth/register", new { username, password, email = email ?? EmailFor(username) });

    /// <summary>The address the helpers give a user: unique as the username is, never a real mailbox.</summary>
    public static string EmailFor(string username) => $"{username}@example.com";

    public static Task<HttpResponseMessage> LoginAsync(this HttpClient client, string username, string password = StrongPassword) =>
        client.PostAsJsonAsync("/auth/login", new { username, password });

    /// <summary>Registers and signs in a fresh user; the client's cookie jar then holds the token.</summary>
    public static async Task<(string Username, string Token)> SignUpAndLogInAsync(this HttpClient client, string? username = null)
    {
        username ??= NewUsername();
        var register = await client.RegisterAsync(username);
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        var login = await client.LoginAsync(username);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (username, AccessTokenCookie(login)!.Value.ToString());
    }

    /// <summary>The access_token cookie set by the response, whatever its prefix (__Host-, __Secure-).</summary>
    public static SetCookieHeaderValue? AccessTokenCookie(HttpResponseMessage response) => Cookie(response, "access_token");

    public static SetCookieHeaderValue? RefreshTokenCookie(HttpResponseMessage response) => Cookie(response, "refresh_token");

    public static SetCookieHeaderValue? Cookie(HttpResponseMessage response, string baseName) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? SetCookieHeaderValue.ParseList(values.ToList()).SingleOrDefault(c =>
                c.Name == baseName || c.Name == "__Host-" + baseName || c.Name == "__Secure-" + baseName)
            : null;

    /// <summary>A request carrying the given token as the access_token cookie, and nothing else.</summary>
    public static HttpRequestMessage WithToken(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", $"access_token={token}");
        return request;
    }

    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        return body;
    }

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
