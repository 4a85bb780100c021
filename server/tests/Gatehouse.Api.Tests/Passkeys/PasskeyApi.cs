using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace Gatehouse.Api.Tests.Passkeys;

/// <summary>The passkey endpoints as the web app uses them, answered by a <see cref="TestAuthenticator"/>.</summary>
internal static class PasskeyApi
{
    public static async Task<(string CeremonyId, JsonElement Options)> OptionsAsync(this HttpClient client, string path)
    {
        var body = await (await client.PostAsync(path, null)).JsonAsync(HttpStatusCode.OK);
        return (body.GetProperty("ceremonyId").GetString()!, body.GetProperty("options"));
    }

    public static Task<HttpResponseMessage> FinishRegistrationAsync(this HttpClient client, string ceremonyId, string credential, string? name = null) =>
        client.PostAsJsonAsync("/auth/passkeys/register", new JsonObject
        {
            ["ceremonyId"] = ceremonyId,
            ["credential"] = JsonNode.Parse(credential),
            ["name"] = name,
        });

    /// <summary>Adds a passkey to the signed-in account of <paramref name="client"/>; returns the 201 body.</summary>
    public static async Task<JsonElement> AddPasskeyAsync(this HttpClient client, TestAuthenticator authenticator, string? name = null)
    {
        var (ceremonyId, options) = await client.OptionsAsync("/auth/passkeys/register/options");
        return await (await client.FinishRegistrationAsync(ceremonyId, authenticator.Create(options), name)).JsonAsync(HttpStatusCode.Created);
    }

    public static Task<HttpResponseMessage> PasskeyLoginAsync(this HttpClient client, string ceremonyId, string credential) =>
        client.PostAsJsonAsync("/auth/passkeys/login", new JsonObject
        {
            ["ceremonyId"] = ceremonyId,
            ["credential"] = JsonNode.Parse(credential),
        });

    /// <summary>A whole passkey sign-in: options, the authenticator's answer, the answer's response.</summary>
    public static async Task<HttpResponseMessage> SignInWithPasskeyAsync(this HttpClient client, TestAuthenticator authenticator, bool userVerified = true)
    {
        var (ceremonyId, options) = await client.OptionsAsync("/auth/passkeys/login/options");
        return await client.PasskeyLoginAsync(ceremonyId, authenticator.Get(options, userVerified));
    }

    /// <summary>The amr claim of the access token a response set.</summary>
    public static string[] Amr(HttpResponseMessage response)
    {
        var token = TestApi.AccessTokenCookie(response)!.Value.ToString();
        var payload = JsonDocument.Parse(Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(token.Split('.')[1]))).RootElement;
        return [.. payload.GetProperty("amr").EnumerateArray().Select(m => m.GetString()!)];
    }
}
