using System.Net;
using System.Text.Json;

namespace Gatehouse.MailCatcher.Tests;

public class MailCatcherTests
{
    [Fact]
    public async Task A_mail_sent_over_SMTP_is_listed_by_the_JSON_API_with_its_recipients_subject_text_and_HTML()
    {
        await using var catcher = await Catcher.StartAsync();

        await catcher.SendAsync(Catcher.Mail("Ann@Example.com", "Verify your address", "Open http://localhost:3000/auth/verify-email?token=abc", "<p>Open <a href=\"http://localhost:3000/\">it</a></p>"));

        var mail = Assert.Single(await catcher.MessagesAsync());
        Assert.Equal(["Ann@Example.com"], mail.To);
        Assert.Equal("Gatehouse <no-reply@localhost>", mail.From);
        Assert.Equal("Verify your address", mail.Subject);
        Assert.StartsWith("Open http://localhost:3000/auth/verify-email?token=abc", mail.Text);
        Assert.Contains("<a href=\"http://localhost:3000/\">it</a>", mail.Html);
        Assert.InRange(mail.ReceivedAt, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task The_API_lists_newest_first_filters_by_recipient_regardless_of_case_and_deletes_one_recipients_mails_or_all()
    {
        await using var catcher = await Catcher.StartAsync();
        await catcher.SendAsync(Catcher.Mail("ann@example.com", "first"));
        await catcher.SendAsync(Catcher.Mail("bob@example.com", "second"));
        await catcher.SendAsync(Catcher.Mail("ann@example.com", "third"));

        Assert.Equal(["third", "second", "first"], (await catcher.MessagesAsync()).Select(m => m.Subject));
        Assert.Equal(["third", "first"], (await catcher.MessagesAsync("ANN@example.com")).Select(m => m.Subject));
        Assert.Empty(await catcher.MessagesAsync("carol@example.com"));

        Assert.Equal(HttpStatusCode.NoContent, (await catcher.Http.DeleteAsync("/api/messages?to=Ann@example.com")).StatusCode);
        Assert.Equal(["second"], (await catcher.MessagesAsync()).Select(m => m.Subject));
        var deleted = await catcher.Http.DeleteAsync("/api/messages");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await catcher.MessagesAsync());
    }

    [Fact]
    public async Task Only_the_newest_max_messages_mails_are_kept()
    {
        await using var catcher = await Catcher.StartAsync("--max-messages", "3");
        for (var i = 1; i <= 5; i++)
        {
            await catcher.SendAsync(Catcher.Mail("ann@example.com", $"mail {i}"));
        }

        Assert.Equal(["mail 5", "mail 4", "mail 3"], (await catcher.MessagesAsync()).Select(m => m.Subject));
    }

    [Fact]
    public async Task The_list_page_shows_each_mail_with_its_recipient_and_subject_encoded_and_links_to_it()
    {
        await using var catcher = await Catcher.StartAsync();
        await catcher.SendAsync(Catcher.Mail("ann@example.com", "Reset <your> password"));
        var id = (await catcher.MessagesAsync())[0].Id;

        var page = await catcher.Http.GetStringAsync("/");

        Assert.Contains("ann@example.com", page);
        Assert.Contains($"<a href=\"/messages/{id}\">Reset &lt;your&gt; password</a>", page);
        Assert.DoesNotContain("<your>", page);
    }

    [Fact]
    public async Task The_mails_HTML_is_framed_in_a_sandbox_without_scripts_and_served_under_a_sandboxing_CSP_that_loads_nothing_remote()
    {
        await using var catcher = await Catcher.StartAsync();
        const string Html = "<!DOCTYPE html><html><body><script>parent.document.title='owned'</script><a href=\"http://localhost:3000/auth/reset-password?token=t\">Reset</a><img src=\"https://tracker.example/p.gif\"></body></html>";
        await catcher.SendAsync(Catcher.Mail("ann@example.com", "Reset", "Reset: http://localhost:3000/auth/reset-password?token=t", Html));
        var id = (await catcher.MessagesAsync())[0].Id;

        var page = await catcher.Http.GetStringAsync($"/messages/{id}");
        Assert.Contains($"<iframe sandbox=\"allow-popups allow-popups-to-escape-sandbox\" referrerpolicy=\"no-referrer\" title=\"The mail's HTML\" src=\"/messages/{id}/html\"></iframe>", page);
        Assert.DoesNotContain("<script>parent", page); // the HTML is never inlined into the catcher's own page
        // The text's link is clickable.
        Assert.Contains("<a href=\"http://localhost:3000/auth/reset-password?token=t\" target=\"_blank\" rel=\"noopener noreferrer\">", page);

        var framed = await catcher.Http.GetAsync($"/messages/{id}/html");
        var policy = framed.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("sandbox allow-popups allow-popups-to-escape-sandbox;", policy);
        Assert.DoesNotContain("allow-scripts", policy);
        Assert.DoesNotContain("allow-same-origin", policy);
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("img-src data:;", policy);
        // Links open in a new tab, since the web app refuses to be framed.
        Assert.StartsWith("<!DOCTYPE html><base target=\"_blank\"><html>", await framed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_catchers_own_pages_run_only_their_own_nonced_script_and_cannot_be_framed()
    {
        await using var catcher = await Catcher.StartAsync();

        var response = await catcher.Http.GetAsync("/");

        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Matches("script-src 'nonce-[A-Za-z0-9+/=]+';", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task On_loopback_it_answers_no_other_host_name_so_a_rebound_DNS_name_cannot_read_the_mails()
    {
        await using var catcher = await Catcher.StartAsync();
        await catcher.SendAsync(Catcher.Mail("ann@example.com", "secret link"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/messages");
        request.Headers.Host = "attacker.example";
        var response = await catcher.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.DoesNotContain("secret link", await response.Content.ReadAsStringAsync());
        using var local = new HttpRequestMessage(HttpMethod.Get, "/api/messages");
        local.Headers.Host = $"localhost:{catcher.Http.BaseAddress!.Port}";
        Assert.Equal(HttpStatusCode.OK, (await catcher.Http.SendAsync(local)).StatusCode);
    }

    [Fact]
    public async Task The_delete_all_form_works_from_the_catchers_page_but_not_from_another_site()
    {
        await using var catcher = await Catcher.StartAsync();
        await catcher.SendAsync(Catcher.Mail("ann@example.com", "keep me"));

        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/clear");
        foreign.Headers.Add("Origin", "https://attacker.example");
        foreign.Headers.Add("Sec-Fetch-Site", "cross-site");
        Assert.Equal(HttpStatusCode.Forbidden, (await catcher.Http.SendAsync(foreign)).StatusCode);
        Assert.Single(await catcher.MessagesAsync());

        using var own = new HttpRequestMessage(HttpMethod.Post, "/clear");
        own.Headers.Add("Origin", catcher.Http.BaseAddress!.GetLeftPart(UriPartial.Authority));
        own.Headers.Add("Sec-Fetch-Site", "same-origin");
        Assert.Equal(HttpStatusCode.Redirect, (await new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = catcher.Http.BaseAddress }.SendAsync(own)).StatusCode);
        Assert.Empty(await catcher.MessagesAsync());
    }

    [Fact]
    public async Task The_JSON_has_the_field_names_the_e2e_helpers_read()
    {
        await using var catcher = await Catcher.StartAsync();
        await catcher.SendAsync(Catcher.Mail("ann@example.com", "Hi", "text only"));

        using var json = JsonDocument.Parse(await catcher.Http.GetStringAsync("/api/messages"));

        var mail = json.RootElement.EnumerateArray().Single();
        Assert.Equal(["id", "from", "to", "subject", "receivedAt", "text", "html"], mail.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, mail.GetProperty("html").ValueKind);
    }

    [Theory]
    [InlineData("See http://localhost:3000/a?token=x&y=1.", "See <a href=\"http://localhost:3000/a?token=x&amp;y=1\" target=\"_blank\" rel=\"noopener noreferrer\">http://localhost:3000/a?token=x&amp;y=1</a>.")]
    [InlineData("<b>no link</b>", "&lt;b&gt;no link&lt;/b&gt;")]
    [InlineData("javascript:alert(1) stays text", "javascript:alert(1) stays text")]
    public void Text_parts_are_encoded_and_only_http_links_become_clickable(string text, string html) =>
        Assert.Equal(html, CatcherPages.Linked(text));
}
