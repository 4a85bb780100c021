using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.DevIdentityProvider.Tests;

/// <summary>The page a browser sees, and its forms posted back as a browser posts them.</summary>
public partial class SignInPageTests : RunningProvider
{
    [Fact]
    public async Task The_page_offers_each_configured_user_a_form_for_anyone_and_Deny_with_no_script()
    {
        using var response = await Client.Http.GetAsync(Client.AuthorizeUrl());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Sign in to Local provider as …", html);
        foreach (var email in new[] { "alice@example.com", "bob@example.com", "carol@example.com" })
        {
            Assert.Contains($"name=\"dev_user\" value=\"{email}\"", html);
        }
        Assert.Contains("value=\"deny\"", html);
        Assert.Contains("<label for=\"dev_email\">Email</label>", html);
        Assert.Contains("Sign in as this person", html);
        Assert.DoesNotContain("<script", html);
        Assert.StartsWith("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        // The forms carry the original request on, so the POST is a complete authorization request.
        Assert.Contains($"name=\"nonce\" value=\"{Client.Nonce}\"", html);
        Assert.Contains($"name=\"code_challenge\" value=\"{Client.Challenge}\"", html);
    }

    [Fact]
    public async Task Posting_a_user_button_with_the_hidden_fields_signs_that_user_in()
    {
        var form = await PageFieldsAsync();
        form["dev_user"] = "alice@example.com";

        using var response = await Client.Http.PostAsync("connect/authorize", new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var code = Client.Query(response.Headers.Location!)["code"];
        using var exchange = await Client.ExchangeAsync(code);
        var token = new JsonWebToken((await exchange.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id_token").GetString());
        Assert.Equal("alice", token.Subject);
        Assert.Equal(Client.Nonce, token.GetPayloadValue<string>("nonce"));
    }

    [Fact]
    public async Task The_someone_else_form_signs_in_a_fresh_person_with_the_unverified_and_mfa_choices()
    {
        var form = await PageFieldsAsync();
        form["dev_action"] = "custom";
        form["dev_email"] = "erin-7@example.com";
        form["dev_subject"] = "erin-subject";
        // The checkbox unticked: only the hidden "false" after it is sent.
        var fields = form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)).ToList();
        fields.Add(new("dev_email_verified", "false"));
        fields.Add(new("dev_mfa", "true"));

        using var response = await Client.Http.PostAsync("connect/authorize", new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        using var exchange = await Client.ExchangeAsync(Client.Query(response.Headers.Location!)["code"]);
        var token = new JsonWebToken((await exchange.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id_token").GetString());
        Assert.Equal("erin-subject", token.Subject);
        Assert.Equal("erin-7@example.com", token.GetPayloadValue<string>("email"));
        Assert.Equal("erin-7", token.GetPayloadValue<string>("preferred_username"));
        Assert.False(token.GetPayloadValue<bool>("email_verified"));
        Assert.Equal(["pwd", "mfa"], token.GetPayloadValue<string[]>("amr"));
    }

    [Fact]
    public async Task The_ticked_checkbox_comes_first_and_keeps_the_address_verified()
    {
        var fields = (await PageFieldsAsync()).Select(f => new KeyValuePair<string, string>(f.Key, f.Value)).ToList();
        fields.Add(new("dev_action", "custom"));
        fields.Add(new("dev_email", "finn@example.com"));
        fields.Add(new("dev_email_verified", "true"));
        fields.Add(new("dev_email_verified", "false"));

        using var response = await Client.Http.PostAsync("connect/authorize", new FormUrlEncodedContent(fields));
        using var exchange = await Client.ExchangeAsync(Client.Query(response.Headers.Location!)["code"]);

        var token = new JsonWebToken((await exchange.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id_token").GetString());
        Assert.True(token.GetPayloadValue<bool>("email_verified"));
        Assert.Equal("finn@example.com", token.Subject);
    }

    [Fact]
    public async Task The_someone_else_form_without_an_address_shows_the_page_again_with_the_problem()
    {
        var form = await PageFieldsAsync();
        form["dev_action"] = "custom";
        form["dev_email"] = "";

        using var response = await Client.Http.PostAsync("connect/authorize", new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Give an email address", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Posting_Deny_redirects_with_access_denied()
    {
        var form = await PageFieldsAsync();
        form["dev_action"] = "deny";

        using var response = await Client.Http.PostAsync("connect/authorize", new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("access_denied", Client.Query(response.Headers.Location!)["error"]);
    }

    /// <summary>The hidden fields of the page's first form, as a browser would post them.</summary>
    private async Task<Dictionary<string, string>> PageFieldsAsync()
    {
        var html = await Client.Http.GetStringAsync(Client.AuthorizeUrl());
        var form = html[html.IndexOf("<form", StringComparison.Ordinal)..html.IndexOf("</form>", StringComparison.Ordinal)];
        return HiddenField().Matches(form).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]*)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenField();
}
