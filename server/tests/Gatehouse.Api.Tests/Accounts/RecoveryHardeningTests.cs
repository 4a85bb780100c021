using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Accounts;

/// <summary>Bad input, switched-off mail, rate limits and logs on the reset and email-change endpoints.</summary>
public sealed class RecoveryHardeningTests
{
    public static TheoryData<string, string> BadBodies()
    {
        var data = new TheoryData<string, string>();
        foreach (var path in new[] { "/auth/password/forgot", "/auth/password/reset", "/auth/email", "/auth/email/confirm" })
        {
            foreach (var body in new[]
            {
                "not json at all", "{\"token\": ", "[]", "null", "{}", "\"text\"",
                "{\"username\": 42, \"token\": [], \"newPassword\": {}, \"newEmail\": 7, \"currentPassword\": true}",
                "{\"username\": \"\\u0000\", \"token\": \"\\u0000\\ud800\", \"newPassword\": \"\\ud800 pass phrase x\", \"newEmail\": \"a\\u0000@example.com\", \"currentPassword\": \"\\u0000\"}",
                "{\"username\": \"" + new string('a', 5000) + "\", \"token\": \"" + new string('A', 5000) + "\", \"newEmail\": \"" + new string('a', 5000) + "@example.com\"}",
                "{\"token\": \"" + new string('A', 43) + "\", \"newPassword\": \"a good new pass phrase\"}",
            })
            {
                data.Add(path, body);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_gets_problem_json_and_never_a_500(string path, string body)
    {
        await using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        if (path == "/auth/email")
        {
            await client.SignUpAndLogInAsync();
        }

        var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{path} {body[..Math.Min(body.Length, 60)]}: {response.StatusCode}");
        await response.ProblemAsync(response.StatusCode);
        Assert.DoesNotContain(factory.Logs.Lines, line => line.StartsWith("Error ", StringComparison.Ordinal) || line.StartsWith("Critical ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/auth/password/forgot")]
    [InlineData("/auth/password/reset")]
    [InlineData("/auth/email")]
    [InlineData("/auth/email/confirm")]
    public async Task With_mail_switched_off_each_endpoint_answers_503_email_disabled(string path)
    {
        await using var factory = new GatehouseFactory().With("Gatehouse:Email:Enabled", "false");
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        var response = await client.PostAsJsonAsync(path, new { username = "john", token = new string('A', 43), newPassword = "a good new pass phrase", newEmail = "new@example.com", currentPassword = TestApi.StrongPassword });

        Assert.Equal("email_disabled", await response.ErrorCodeAsync(HttpStatusCode.ServiceUnavailable));
    }

    [Fact]
    public async Task Forgot_password_is_limited_per_name_alike_for_existing_and_unknown_names_and_per_client()
    {
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:PasswordForgot:PerUser", "2")
            .With("Gatehouse:RateLimits:PasswordForgot:PerIp", "7");
        var (username, _) = await factory.RegisterWithEmailAsync();
        var client = factory.CreateClient();
        var unknown = "nobody-" + Guid.NewGuid().ToString("N")[..12];

        foreach (var name in new[] { username, unknown })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.ForgotAsync(name)).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await client.ForgotAsync(name.ToUpperInvariant())).StatusCode);
            var limited = await client.ForgotAsync(name);
            Assert.Equal("rate_limited", await limited.ErrorCodeAsync(HttpStatusCode.TooManyRequests));
            Assert.True(limited.Headers.RetryAfter is not null);
        }
        // Six so far from this client: one more name, then the client's own limit.
        Assert.Equal(HttpStatusCode.Accepted, (await client.ForgotAsync("someone-else")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.ForgotAsync("yet-another")).StatusCode);
    }

    [Fact]
    public async Task Reset_and_confirm_tokens_are_limited_per_client()
    {
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:EmailToken:PerIp", "3");
        var client = factory.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            var path = i % 2 == 0 ? "/auth/password/reset" : "/auth/email/confirm";
            Assert.Equal("token_invalid", await (await client.PostAsJsonAsync(path, new { token = "guess-" + i })).ErrorCodeAsync(HttpStatusCode.BadRequest));
        }

        Assert.Equal("rate_limited", await (await client.ConfirmEmailAsync("guess")).ErrorCodeAsync(HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task Asking_to_change_the_address_is_limited_per_account()
    {
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:RateLimits:Enabled", "true")
            .With("Gatehouse:RateLimits:EmailChange:PerUser", "2");
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.ChangeEmailAsync(RecoveryApi.NewEmail(), "wrong password")).StatusCode);
        }

        Assert.Equal("rate_limited", await (await client.ChangeEmailAsync(RecoveryApi.NewEmail())).ErrorCodeAsync(HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task No_token_link_or_password_of_the_recovery_flows_reaches_a_log()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (username, email) = await factory.RegisterWithEmailAsync();
        await factory.MarkVerifiedAsync(username);
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
        var newEmail = RecoveryApi.NewEmail("moved");

        Assert.Equal(HttpStatusCode.Accepted, (await client.ChangeEmailAsync(newEmail)).StatusCode);
        var confirm = SmtpSink.TokenFrom(await sink.WaitForAsync(newEmail));
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ConfirmEmailAsync(confirm)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await factory.CreateClient().ConfirmEmailAsync(confirm)).StatusCode);
        var reset = await factory.ResetTokenAsync(sink, username, newEmail);
        Assert.Equal(HttpStatusCode.BadRequest, (await factory.CreateClient().ResetAsync(reset, "short")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ResetAsync(reset)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await factory.CreateClient().ResetAsync(reset)).StatusCode);
        await sink.WaitForAsync(newEmail, m => (m.Subject ?? "").EndsWith("Your password was reset", StringComparison.Ordinal));

        var logs = factory.Logs.All;
        Assert.Contains("Audit password_reset success", logs); // the sink did capture the app's logs
        Assert.Contains("Audit email_changed success", logs);
        var secrets = sink.Received.Select(SmtpSink.LinkFrom).OfType<Uri>().Where(l => l.Query.Contains("token=")).ToList();
        Assert.True(secrets.Count >= 4);
        foreach (var link in secrets)
        {
            Assert.DoesNotContain(link.ToString(), logs);
            Assert.DoesNotContain(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(link.Query)["token"].ToString(), logs);
        }
        Assert.DoesNotContain(RecoveryApi.NewPassword, logs);
        Assert.DoesNotContain(TestApi.StrongPassword, logs);
    }

    [Theory]
    [InlineData("/auth/password/forgot")]
    [InlineData("/auth/password/reset")]
    [InlineData("/auth/email")]
    [InlineData("/auth/email/confirm")]
    public async Task A_request_from_a_foreign_origin_is_refused_before_anything_is_done(string path)
    {
        await using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();
        client.DefaultRequestHeaders.Remove("Origin");
        client.DefaultRequestHeaders.Add("Origin", "https://evil.example");

        var response = await client.PostAsJsonAsync(path, new { username = "john", newEmail = RecoveryApi.NewEmail(), currentPassword = TestApi.StrongPassword });

        await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(0, await factory.QueryAsync(db => db.AccountTokens.CountAsync(t => t.Purpose == "change_email")));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_recovery_endpoints_and_their_problems()
    {
        await using var factory = new GatehouseFactory();

        var paths = JsonDocument.Parse(await factory.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");

        foreach (var (path, success, problems) in new[]
        {
            ("/auth/password/forgot", "202", new[] { "400", "429", "503" }),
            ("/auth/password/reset", "200", new[] { "400", "409", "429", "503" }),
            ("/auth/email", "202", new[] { "400", "401", "409", "429", "503" }),
            ("/auth/email/confirm", "200", new[] { "400", "409", "429", "503" }),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing from the OpenAPI document");
            var responses = item.GetProperty("post").GetProperty("responses");
            foreach (var status in problems.Prepend(success))
            {
                Assert.True(responses.TryGetProperty(status, out _), $"{path} does not list {status}");
            }
        }
    }
}
