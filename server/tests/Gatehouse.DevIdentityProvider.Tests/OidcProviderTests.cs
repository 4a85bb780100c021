using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.DevIdentityProvider.Tests;

public class OidcProviderTests : RunningProvider
{
    [Fact]
    public async Task Discovery_names_the_loopback_issuer_its_endpoints_and_only_S256_PKCE()
    {
        var configuration = await Client.DiscoverAsync();

        Assert.Matches(@"^http://127\.0\.0\.1:\d+/$", Provider.Issuer);
        Assert.Equal(Provider.Issuer, configuration.Issuer);
        Assert.Equal($"{Provider.Issuer}connect/authorize", configuration.AuthorizationEndpoint);
        Assert.Equal($"{Provider.Issuer}connect/token", configuration.TokenEndpoint);
        Assert.Equal($"{Provider.Issuer}connect/userinfo", configuration.UserInfoEndpoint);
        Assert.Equal(["authorization_code"], configuration.GrantTypesSupported);
        Assert.Equal(["S256"], configuration.CodeChallengeMethodsSupported);
        Assert.NotEmpty(configuration.SigningKeys);
    }

    [Fact]
    public async Task A_code_exchange_with_PKCE_returns_an_id_token_signed_with_a_key_from_its_JWKS_carrying_the_person_and_the_nonce()
    {
        var configuration = await Client.DiscoverAsync();
        var tokens = await Client.SignInAsync(new Dictionary<string, string?> { ["dev_user"] = "carol@example.com" });

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.GetProperty("id_token").GetString(), new TokenValidationParameters
        {
            ValidIssuer = Provider.Issuer,
            ValidAudience = "gatehouse",
            IssuerSigningKeys = configuration.SigningKeys,
        });

        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal("carol", token.Subject);
        Assert.Equal("carol@example.com", token.GetPayloadValue<string>("email"));
        Assert.True(token.GetPayloadValue<bool>("email_verified"));
        Assert.Equal("Carol Example", token.GetPayloadValue<string>("name"));
        Assert.Equal("carol", token.GetPayloadValue<string>("preferred_username"));
        Assert.Equal(["pwd", "mfa"], token.GetPayloadValue<string[]>("amr"));
        Assert.Equal(Client.Nonce, token.GetPayloadValue<string>("nonce"));
        Assert.InRange(token.GetPayloadValue<long>("auth_time"), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        // A token signed by anyone else is refused by the same check.
        var forged = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.GetProperty("id_token").GetString(), new TokenValidationParameters
        {
            ValidIssuer = Provider.Issuer,
            ValidAudience = "gatehouse",
            IssuerSigningKey = new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)),
        });
        Assert.False(forged.IsValid);
    }

    [Fact]
    public async Task The_callback_gets_the_code_with_the_state_and_the_issuer()
    {
        var callback = await Client.AuthorizeAsync(new Dictionary<string, string?> { ["dev_user"] = "alice@example.com" });

        Assert.Equal(Client.RedirectUri, callback.GetLeftPart(UriPartial.Path));
        var query = Client.Query(callback);
        Assert.Equal(Client.State, query["state"]);
        Assert.Equal(Provider.Issuer, query["iss"]);
        Assert.NotEmpty(query["code"]);
    }

    [Fact]
    public async Task A_single_value_amr_is_still_an_array_and_an_unverified_address_says_so()
    {
        var tokens = await Client.SignInAsync(new Dictionary<string, string?> { ["dev_user"] = "bob@example.com" });

        var token = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.Equal(["pwd"], token.GetPayloadValue<string[]>("amr"));
        Assert.False(token.GetPayloadValue<bool>("email_verified"));
        Assert.Equal("bob@example.com", token.GetPayloadValue<string>("email"));
    }

    [Fact]
    public async Task The_wrong_nonce_knob_puts_another_nonce_in_the_id_token()
    {
        Provider.Knobs.WrongNonce = true;

        var tokens = await Client.SignInAsync(new Dictionary<string, string?> { ["dev_user"] = "alice@example.com" });

        var nonce = new JsonWebToken(tokens.GetProperty("id_token").GetString()).GetPayloadValue<string>("nonce");
        Assert.False(string.IsNullOrEmpty(nonce));
        Assert.NotEqual(Client.Nonce, nonce);
    }

    [Fact]
    public async Task The_mfa_and_unverified_knobs_change_what_any_sign_in_reports()
    {
        Provider.Knobs.ReportMfa = true;
        Provider.Knobs.EmailUnverified = true;

        var tokens = await Client.SignInAsync(new Dictionary<string, string?> { ["dev_user"] = "alice@example.com" });

        var token = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.Equal(["pwd", "mfa"], token.GetPayloadValue<string[]>("amr"));
        Assert.False(token.GetPayloadValue<bool>("email_verified"));
    }

    [Fact]
    public async Task The_sign_in_as_knob_answers_the_authorization_request_without_the_page()
    {
        Provider.Knobs.SignInAs = DevUser.Create("dora@example.com", subject: "dora-1");

        var tokens = await Client.SignInAsync(new Dictionary<string, string?>());

        var token = new JsonWebToken(tokens.GetProperty("id_token").GetString());
        Assert.Equal("dora-1", token.Subject);
        Assert.Equal("dora@example.com", token.GetPayloadValue<string>("email"));
    }

    [Fact]
    public async Task Deny_redirects_back_with_access_denied_and_the_state()
    {
        var callback = await Client.AuthorizeAsync(new Dictionary<string, string?> { ["dev_action"] = "deny" });

        var query = Client.Query(callback);
        Assert.Equal("access_denied", query["error"]);
        Assert.Equal(Client.State, query["state"]);
        Assert.False(query.ContainsKey("code"));
    }

    [Theory]
    [InlineData("http://evil.example/auth/external/local/callback")]
    [InlineData("http://127.0.0.1.evil.example/auth/external/local/callback")]
    [InlineData("http://localhost:5000/somewhere/else")]
    [InlineData("http://localhost:5000/auth/external/local/callback/../../../steal")]
    [InlineData("http://user@localhost:5000/auth/external/local/callback")]
    public async Task A_redirect_uri_off_loopback_or_off_the_callback_path_is_refused_without_a_redirect(string redirectUri)
    {
        using var response = await Client.Http.GetAsync(Client.AuthorizeUrl(redirectUri: redirectUri,
            extra: new Dictionary<string, string?> { ["dev_user"] = "alice@example.com" }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("invalid_request", body);
        Assert.Contains("redirect_uri", body);
    }

    [Theory]
    [InlineData("http://127.0.0.1:3000/api/auth/external/local/callback")]
    [InlineData("http://[::1]:3001/auth/external/github-2/callback")]
    public async Task A_loopback_callback_on_any_port_and_under_a_prefix_is_allowed(string redirectUri)
    {
        using var response = await Client.Http.GetAsync(Client.AuthorizeUrl(redirectUri: redirectUri,
            extra: new Dictionary<string, string?> { ["dev_user"] = "alice@example.com" }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(redirectUri + "?", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task An_unknown_client_is_refused()
    {
        var url = Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("connect/authorize", Client.AuthorizeParameters(clientId: "someone-else"));

        using var response = await Client.Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("invalid_client", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_request_without_PKCE_is_refused()
    {
        var parameters = Client.AuthorizeParameters();
        parameters.Remove("code_challenge");
        parameters.Remove("code_challenge_method");
        parameters["dev_user"] = "alice@example.com";

        using var response = await Client.Http.GetAsync(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("connect/authorize", parameters));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("invalid_request", body);
        Assert.Contains("code_challenge", body);
    }

    [Fact]
    public async Task The_token_endpoint_refuses_a_wrong_verifier_a_wrong_secret_and_a_reused_code()
    {
        var code = Client.Query(await Client.AuthorizeAsync(new Dictionary<string, string?> { ["dev_user"] = "alice@example.com" }))["code"];

        using (var wrongSecret = await Client.ExchangeAsync(code, secret: "not-the-secret"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
            Assert.Equal("invalid_client", (await wrongSecret.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }
        using (var wrongVerifier = await Client.ExchangeAsync(code, verifier: new string('a', 43)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrongVerifier.StatusCode);
            Assert.Equal("invalid_grant", (await wrongVerifier.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }
        using var right = await Client.ExchangeAsync(code);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task The_token_error_knob_answers_the_token_endpoint_with_that_error()
    {
        var code = Client.Query(await Client.AuthorizeAsync(new Dictionary<string, string?> { ["dev_user"] = "alice@example.com" }))["code"];
        Provider.Knobs.TokenError = "invalid_grant";

        using var response = await Client.ExchangeAsync(code);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("id_token", out _));
    }

    [Fact]
    public async Task Userinfo_answers_for_the_access_token_and_refuses_without_one()
    {
        var tokens = await Client.SignInAsync(new Dictionary<string, string?> { ["dev_user"] = "alice@example.com" });

        using var request = new HttpRequestMessage(HttpMethod.Get, "connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());
        using var response = await Client.Http.SendAsync(request);
        using var anonymous = await Client.Http.GetAsync("connect/userinfo");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("alice", body.GetProperty("sub").GetString());
        Assert.Equal("alice@example.com", body.GetProperty("email").GetString());
        Assert.True(body.GetProperty("email_verified").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_unavailable_knob_makes_it_answer_503_as_a_provider_that_is_down()
    {
        Provider.Knobs.Unavailable = true;

        using var discovery = await Client.Http.GetAsync(".well-known/openid-configuration");
        using var health = await Client.Http.GetAsync("health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, discovery.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task It_answers_only_to_loopback_host_names()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ".well-known/openid-configuration");
        request.Headers.Host = "rebound.example";

        using var response = await Client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
    }
}
