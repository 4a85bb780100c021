using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Mfa;

/// <summary>The second-factor endpoints as the security page uses them, on a signed-in cookie client.</summary>
internal static class MfaApi
{
    /// <summary>A fresh user signed in on a client that keeps cookies like a browser.</summary>
    public static async Task<(HttpClient Client, string Username)> SignedInAsync(this GatehouseFactory factory)
    {
        var client = factory.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        return (client, username);
    }

    public static async Task<JsonElement> StatusAsync(this HttpClient client) =>
        await (await client.GetAsync("/auth/mfa")).JsonAsync(HttpStatusCode.OK);

    public static Task<HttpResponseMessage> SetupAsync(this HttpClient client) => client.PostAsync("/auth/mfa/totp/setup", null);

    /// <summary>Starts the setup and returns the key the app would scan.</summary>
    public static async Task<string> SetupKeyAsync(this HttpClient client) =>
        (await (await client.SetupAsync()).JsonAsync(HttpStatusCode.OK)).GetProperty("secret").GetString()!;

    public static Task<HttpResponseMessage> ConfirmAsync(this HttpClient client, string? code) =>
        client.PostAsJsonAsync("/auth/mfa/totp/confirm", new { code });

    public static Task<HttpResponseMessage> DisableAsync(this HttpClient client) => client.DeleteAsync("/auth/mfa/totp");

    public static Task<HttpResponseMessage> NewRecoveryCodesAsync(this HttpClient client) => client.PostAsync("/auth/mfa/recovery-codes", null);

    public static string[] Codes(JsonElement body) => body.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToArray();

    /// <summary>Sets up and confirms an authenticator app; returns its key and the recovery codes answered.</summary>
    public static async Task<(string Key, string[] Codes)> EnableTotpAsync(this GatehouseFactory factory, HttpClient client)
    {
        var key = await client.SetupKeyAsync();
        var confirmed = await (await client.ConfirmAsync(factory.Code(key))).JsonAsync(HttpStatusCode.OK);
        return (key, Codes(confirmed));
    }

    /// <summary>Runs <paramref name="action"/> with a UserManager of a fresh scope and the user as stored now.</summary>
    public static async Task<T> WithUserAsync<T>(this GatehouseFactory factory, string username, Func<UserManager<User>, User, Task<T>> action)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = await users.FindByNameAsync(username) ?? throw new InvalidOperationException($"No user {username}.");
        return await action(users, user);
    }

    /// <summary>Checks a code through Identity, as the sign-in step does.</summary>
    public static Task<bool> VerifyCodeAsync(this GatehouseFactory factory, string username, string code) =>
        factory.WithUserAsync(username, (users, user) => users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, code));

    public static Task<bool> RedeemAsync(this GatehouseFactory factory, string username, string code) =>
        factory.WithUserAsync(username, async (users, user) => (await users.RedeemTwoFactorRecoveryCodeAsync(user, code)).Succeeded);

    public static Task<int> RecoveryCodesLeftAsync(this GatehouseFactory factory, string username) =>
        factory.WithUserAsync(username, (users, user) => users.CountRecoveryCodesAsync(user));

    /// <summary>A passkey row for the user, as Identity stores a registered one (what the sign-in flows need of it: that it exists).</summary>
    public static Task AddPasskeyAsync(this GatehouseFactory factory, string username) =>
        factory.WithUserAsync(username, async (users, user) =>
        {
            var credentialId = System.Security.Cryptography.RandomNumberGenerator.GetBytes(16);
            var passkey = new UserPasskeyInfo(credentialId, [1, 2, 3], factory.Time.GetUtcNow(), 0, ["internal"], true, false, false, [4], [5]) { Name = "Test key" };
            Assert.True((await users.AddOrUpdatePasskeyAsync(user, passkey)).Succeeded);
            user.TwoFactorEnabled = true;
            Assert.True((await users.UpdateAsync(user)).Succeeded);
            return 0;
        });
}
