using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Gatehouse.DevIdentityProvider.Tests;

public class GitHubFakeTests : RunningProvider
{
    private const string Authorize = "github/login/oauth/authorize";
    [Fact]
    public async Task The_whole_flow_gives_a_token_that_reads_the_user_and_the_verified_primary_email()
    {
        var callback = await AuthorizeAsync("alice@example.com");
        var query = Client.Query(callback);
        Assert.Equal(Client.State, query["state"]);

        var token = await ExchangeAsync(query["code"]);
        Assert.Equal("bearer", token.GetProperty("token_type").GetString());
        Assert.Equal("read:user,user:email", token.GetProperty("scope").GetString());
        var accessToken = token.GetProperty("access_token").GetString()!;

        var user = await GetAsync("github/api/user", accessToken);
        Assert.Equal("alice", user.GetProperty("login").GetString());
        Assert.Equal(DevUser.Alice.GitHubId, user.GetProperty("id").GetInt64());
        Assert.Equal("Alice Example", user.GetProperty("name").GetString());

        var emails = await GetAsync("github/api/user/emails", accessToken);
        var primary = emails.EnumerateArray().Single(e => e.GetProperty("primary").GetBoolean());
        Assert.Equal("alice@example.com", primary.GetProperty("email").GetString());
        Assert.True(primary.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task The_no_verified_primary_knob_leaves_only_a_verified_secondary_address()
    {
        Provider.Knobs.GitHubNoVerifiedPrimaryEmail = true;
        var token = await ExchangeAsync(Client.Query(await AuthorizeAsync("alice@example.com"))["code"]);

        var emails = await GetAsync("github/api/user/emails", token.GetProperty("access_token").GetString()!);

        Assert.DoesNotContain(emails.EnumerateArray(), e => e.GetProperty("primary").GetBoolean() && e.GetProperty("verified").GetBoolean());
        Assert.Contains(emails.EnumerateArray(), e => !e.GetProperty("primary").GetBoolean() && e.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task An_unverified_person_has_an_unverified_primary_address()
    {
        var token = await ExchangeAsync(Client.Query(await AuthorizeAsync("bob@example.com"))["code"]);

        var emails = await GetAsync("github/api/user/emails", token.GetProperty("access_token").GetString()!);

        var primary = emails.EnumerateArray().Single(e => e.GetProperty("primary").GetBoolean());
        Assert.Equal("bob@example.com", primary.GetProperty("email").GetString());
        Assert.False(primary.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task The_API_refuses_a_missing_or_unknown_token()
    {
        using var none = await Client.Http.GetAsync("github/api/user");
        using var request = new HttpRequestMessage(HttpMethod.Get, "github/api/user");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "gho_not-one-of-ours");
        using var unknown = await Client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("Bad credentials", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_emails_need_the_user_email_scope()
    {
        var callback = await AuthorizeAsync("alice@example.com", scope: "read:user");
        var token = await ExchangeAsync(Client.Query(callback)["code"]);

        using var request = new HttpRequestMessage(HttpMethod.Get, "github/api/user/emails");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
        using var response = await Client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_code_works_once_and_only_with_its_verifier_and_the_client_secret()
    {
        var code = Client.Query(await AuthorizeAsync("alice@example.com"))["code"];

        Assert.Equal("incorrect_client_credentials", (await ExchangeAsync(code, secret: "wrong")).GetProperty("error").GetString());
        // A first wrong try (above) does not use the code up; a wrong verifier does, as at GitHub.
        Assert.Equal("bad_verification_code", (await ExchangeAsync(code, verifier: new string('b', 43))).GetProperty("error").GetString());
        Assert.Equal("bad_verification_code", (await ExchangeAsync(code)).GetProperty("error").GetString());

        var fresh = Client.Query(await AuthorizeAsync("alice@example.com"))["code"];
        Assert.True((await ExchangeAsync(fresh)).TryGetProperty("access_token", out _));
        Assert.Equal("bad_verification_code", (await ExchangeAsync(fresh)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Without_Accept_json_the_token_answer_is_a_form_as_GitHub_sends_it()
    {
        var code = Client.Query(await AuthorizeAsync("alice@example.com"))["code"];

        using var response = await Client.Http.PostAsync("github/login/oauth/access_token", TokenForm(code));

        Assert.Equal("application/x-www-form-urlencoded", response.Content.Headers.ContentType?.MediaType);
        var fields = QueryHelpers.ParseQuery(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("gho_", fields["access_token"].ToString());
        Assert.Equal("bearer", fields["token_type"].ToString());
    }

    [Fact]
    public async Task Deny_and_the_token_error_knob_answer_as_GitHub_does()
    {
        var denied = Client.Query(await AuthorizeAsync(null, extra: ("dev_action", "deny")));
        Assert.Equal("access_denied", denied["error"]);
        Assert.Equal(Client.State, denied["state"]);

        var code = Client.Query(await AuthorizeAsync("alice@example.com"))["code"];
        Provider.Knobs.TokenError = "bad_verification_code";
        var answer = await ExchangeAsync(code);
        Assert.Equal("bad_verification_code", answer.GetProperty("error").GetString());
        Assert.False(answer.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task A_foreign_redirect_uri_or_client_is_refused_without_a_redirect()
    {
        var foreign = QueryHelpers.AddQueryString(Authorize, new Dictionary<string, string?>
        {
            ["client_id"] = "gatehouse",
            ["redirect_uri"] = "https://evil.example/auth/external/github/callback",
            ["state"] = "s",
            ["dev_user"] = "alice@example.com",
        });
        var unknownClient = QueryHelpers.AddQueryString(Authorize, new Dictionary<string, string?>
        {
            ["client_id"] = "other",
            ["redirect_uri"] = Client.RedirectUri,
            ["dev_user"] = "alice@example.com",
        });

        using var first = await Client.Http.GetAsync(foreign);
        using var second = await Client.Http.GetAsync(unknownClient);

        Assert.Equal(HttpStatusCode.BadRequest, first.StatusCode);
        Assert.Null(first.Headers.Location);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Null(second.Headers.Location);
    }

    [Fact]
    public async Task The_page_shows_without_an_answer_and_the_sign_in_as_knob_skips_it()
    {
        var url = QueryHelpers.AddQueryString(Authorize, GitHubParameters("read:user user:email"));
        using var page = await Client.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign in to Local provider as …", await page.Content.ReadAsStringAsync());

        Provider.Knobs.SignInAs = DevUser.Carol;
        var token = await ExchangeAsync(Client.Query(await AuthorizeAsync(null))["code"]);
        var user = await GetAsync("github/api/user", token.GetProperty("access_token").GetString()!);
        Assert.Equal("carol", user.GetProperty("login").GetString());
    }

    private Dictionary<string, string?> GitHubParameters(string scope) => new()
    {
        ["client_id"] = "gatehouse",
        ["redirect_uri"] = Client.RedirectUri,
        ["scope"] = scope,
        ["state"] = Client.State,
        ["code_challenge"] = Client.Challenge,
        ["code_challenge_method"] = "S256",
    };

    private async Task<Uri> AuthorizeAsync(string? user, string scope = "read:user user:email", (string Name, string Value)? extra = null)
    {
        var parameters = GitHubParameters(scope);
        if (user is not null)
        {
            parameters["dev_user"] = user;
        }
        if (extra is { } more)
        {
            parameters[more.Name] = more.Value;
        }
        using var response = await Client.Http.GetAsync(QueryHelpers.AddQueryString(Authorize, parameters));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith(Client.RedirectUri + "?", response.Headers.Location!.ToString());
        return response.Headers.Location!;
    }

    private FormUrlEncodedContent TokenForm(string code, string secret = "dev-secret", string? verifier = null) => new(new Dictionary<string, string>
    {
        ["client_id"] = "gatehouse",
        ["client_secret"] = secret,
        ["code"] = code,
        ["redirect_uri"] = Client.RedirectUri,
        ["code_verifier"] = verifier ?? Client.Verifier,
    });

    private async Task<JsonElement> ExchangeAsync(string code, string secret = "dev-secret", string? verifier = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "github/login/oauth/access_token") { Content = TokenForm(code, secret, verifier) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await Client.Http.SendAsync(request);
        // GitHub answers errors with 200 too.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> GetAsync(string path, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await Client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
