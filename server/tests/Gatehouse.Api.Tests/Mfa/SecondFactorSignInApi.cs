using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Mfa;

/// <summary>The second-factor sign-in and step-up as a client uses them.</summary>
internal static class SecondFactorSignInApi
{
    /// <summary>Registers a user and turns TOTP on; returns the name and the app's key.</summary>
    public static async Task<(string Username, string Key)> SignUpWithTotpAsync(this GatehouseFactory factory)
    {
        var username = TestApi.NewUsername();
        Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().RegisterAsync(username)).StatusCode);
        return (username, await factory.EnrollAsync(username));
    }

    /// <summary>Gives the user ten new recovery codes through Identity, as the recovery-codes endpoint does.</summary>
    public static async Task<string[]> RecoveryCodesAsync(this GatehouseFactory factory, string username)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = await users.FindByNameAsync(username) ?? throw new InvalidOperationException($"No user {username}.");
        return (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray();
    }

    /// <summary>A six-digit code that is none of the ones an app could show around now (steps -2 to +2).</summary>
    public static string WrongCode(this GatehouseFactory factory, string key)
    {
        var near = Enumerable.Range(-2, 5).Select(step => factory.Code(key, step)).ToHashSet();
        var wrong = int.Parse(factory.Code(key), CultureInfo.InvariantCulture);
        string candidate;
        do
        {
            wrong = (wrong + 1) % 1_000_000;
            candidate = wrong.ToString("D6", CultureInfo.InvariantCulture);
        }
        while (near.Contains(candidate));
        return candidate;
    }

    /// <summary>A browser at the password step: a client with a cookie jar that has signed in with the password.</summary>
    public static async Task<HttpClient> PendingAsync(this GatehouseFactory factory, string username)
    {
        var client = factory.CreateClient();
        var login = await client.LoginAsync(username);
        var body = await login.JsonAsync(HttpStatusCode.OK);
        Assert.True(body.GetProperty("mfaRequired").GetBoolean());
        return client;
    }

    public static Task<HttpResponseMessage> CodeAsync(this HttpClient client, string code) =>
        client.PostAsJsonAsync("/auth/login/mfa", new { code });

    public static Task<HttpResponseMessage> RecoveryCodeAsync(this HttpClient client, string recoveryCode) =>
        client.PostAsJsonAsync("/auth/login/mfa", new { recoveryCode });

    public static Task<HttpResponseMessage> ReauthenticateAsync(this HttpClient client, object body) =>
        client.PostAsJsonAsync("/auth/reauthenticate", body);

    /// <summary>The mfa_pending cookie the response set, whatever its prefix.</summary>
    public static string? PendingCookie(HttpResponseMessage response) => TestApi.Cookie(response, "mfa_pending")?.Value.ToString();

    /// <summary>How many sessions the user has (live or not).</summary>
    public static int SessionCount(this GatehouseFactory factory, string username) =>
        factory.Query(db => db.Sessions.Count(s => db.Users.Any(u => u.Id == s.UserId && u.UserName == username)));

    public static string[] Amr(string access) =>
        new JsonWebToken(access).Claims.Where(c => c.Type == "amr").Select(c => c.Value).ToArray();

    public static DateTimeOffset AuthTime(string access) =>
        DateTimeOffset.FromUnixTimeSeconds(long.Parse(new JsonWebToken(access).GetClaim("auth_time").Value, CultureInfo.InvariantCulture));

    public static string Sid(string access) => new JsonWebToken(access).GetClaim("sid").Value;

    public static async Task<string> CodeOfAsync(this HttpResponseMessage response, HttpStatusCode status) =>
        (await response.ProblemAsync(status)).GetProperty("code").GetString()!;
}
