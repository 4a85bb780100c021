using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Gatehouse.DevIdentityProvider.Tests;

/// <summary>What Gatehouse's API does against the provider, step by step, with a real HttpClient.</summary>
public sealed class Client : IDisposable
{
    public const string RedirectUri = "http://localhost:5000/auth/external/local/callback";

    public Client(DevIdentityProvider idp)
    {
        Idp = idp;
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(idp.Issuer) };
    }

    public DevIdentityProvider Idp { get; }

    public HttpClient Http { get; }

    public string Verifier { get; } = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public string Challenge => WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier)));

    public string State { get; } = Guid.NewGuid().ToString("N");

    public string Nonce { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The discovery document and the JWKS's keys, read by Microsoft.IdentityModel as the API reads them.</summary>
    public Task<OpenIdConnectConfiguration> DiscoverAsync() =>
        OpenIdConnectConfigurationRetriever.GetAsync($"{Idp.Issuer}.well-known/openid-configuration",
            new HttpDocumentRetriever(Http) { RequireHttps = false }, CancellationToken.None);

    public Dictionary<string, string?> AuthorizeParameters(string redirectUri = RedirectUri, string clientId = "gatehouse") => new()
    {
        ["client_id"] = clientId,
        ["redirect_uri"] = redirectUri,
        ["response_type"] = "code",
        ["scope"] = "openid email profile",
        ["state"] = State,
        ["nonce"] = Nonce,
        ["code_challenge"] = Challenge,
        ["code_challenge_method"] = "S256",
    };

    public string AuthorizeUrl(string path = "connect/authorize", IDictionary<string, string?>? extra = null, string redirectUri = RedirectUri)
    {
        var parameters = AuthorizeParameters(redirectUri);
        foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
        {
            parameters[name] = value;
        }
        return QueryHelpers.AddQueryString(path, parameters);
    }

    /// <summary>GETs the authorization URL and returns where it redirects (the provider answered by itself).</summary>
    public async Task<Uri> AuthorizeAsync(IDictionary<string, string?>? extra = null, string path = "connect/authorize")
    {
        using var response = await Http.GetAsync(AuthorizeUrl(path, extra));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!;
    }

    public static Dictionary<string, string> Query(Uri uri) =>
        QueryHelpers.ParseQuery(uri.Query).ToDictionary(p => p.Key, p => p.Value.ToString());

    public async Task<HttpResponseMessage> ExchangeAsync(string code, string? verifier = null, string secret = "dev-secret") =>
        await Http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = RedirectUri,
            ["client_id"] = "gatehouse",
            ["client_secret"] = secret,
            ["code_verifier"] = verifier ?? Verifier,
        }));

    /// <summary>The whole browser step and the code exchange; the token endpoint's JSON.</summary>
    public async Task<JsonElement> SignInAsync(IDictionary<string, string?> extra)
    {
        var callback = await AuthorizeAsync(extra);
        var code = Query(callback)["code"];
        using var response = await ExchangeAsync(code);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public void Dispose() => Http.Dispose();
}
