using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Accounts;
using Gatehouse.Api.Email;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tests.Email;

/// <summary>Mail settings: outside Development a missing SMTP server stops start-up with the fix; bad values do too.</summary>
public sealed class EmailSettingsTests
{
    [Fact]
    public void Outside_development_start_up_without_an_smtp_host_fails_and_says_how_to_fix_it()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Email:Smtp:Host", null).WithEnvironment("Production");

        var message = factory.StartupFailure().Message;

        Assert.Contains("Gatehouse:Email:Smtp:Host is not set", message, StringComparison.Ordinal);
        Assert.Contains("Gatehouse__Email__Smtp__Host", message, StringComparison.Ordinal);
        Assert.Contains("Gatehouse__Email__Enabled=false", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_mail_can_be_turned_off_instead_and_the_config_endpoint_says_so()
    {
        await using var factory = new GatehouseFactory().With("Gatehouse:Email:Smtp:Host", null)
            .With("Gatehouse:Email:Enabled", "false").WithEnvironment("Production");

        var config = await factory.CreateClient().GetFromJsonAsync<AuthConfigResponse>("/auth/config");

        Assert.False(config!.EmailEnabled);
    }

    [Theory]
    [InlineData("Gatehouse:Email:Smtp:Port", "0", "Gatehouse:Email:Smtp:Port is 0; use the SMTP server's port, 1 to 65535")]
    [InlineData("Gatehouse:Email:Smtp:Port", "65536", "Gatehouse:Email:Smtp:Port is 65536")]
    [InlineData("Gatehouse:Email:Smtp:Security", "Sideways", "use Auto (default: STARTTLS when offered), None (plain, for a local catcher), StartTls or SslOnConnect")]
    [InlineData("Gatehouse:Email:Smtp:Security", "7", "Gatehouse:Email:Smtp:Security is '7'")]
    [InlineData("Gatehouse:Email:From", "not an address", "Gatehouse:Email:From is 'not an address', which is not a mail address")]
    [InlineData("Gatehouse:Email:From", "", "which is not a mail address")]
    [InlineData("Gatehouse:Email:ProductName", " ", "Gatehouse:Email:ProductName is empty")]
    [InlineData("Gatehouse:Email:PollInterval", "00:00:00", "Gatehouse:Email:PollInterval is 00:00:00")]
    [InlineData("Gatehouse:Email:Smtp:Password", "hunter2-but-no-user", "set both (the server's login) or neither")]
    public void A_bad_mail_setting_stops_start_up_with_a_fix(string key, string value, string expected)
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Email:Smtp:Host", "smtp.example.com").With(key, value);

        var message = factory.StartupFailure().Message;

        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("None")]
    [InlineData("starttls")]
    [InlineData("SslOnConnect")]
    [InlineData("Auto")]
    public void Every_documented_security_mode_is_accepted_whatever_its_case(string security)
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Email:Smtp:Host", "smtp.example.com").With("Gatehouse:Email:Smtp:Security", security);
        _ = factory.CreateClient();

        var options = factory.Services.GetRequiredService<IOptions<EmailOptions>>().Value;

        Assert.Equal(security, options.Smtp.Mode.ToString(), ignoreCase: true);
    }

    [Fact]
    public void In_development_without_a_host_mail_goes_to_the_local_catcher_on_port_2525_in_plain_smtp()
    {
        using var factory = new GatehouseFactory();
        _ = factory.CreateClient();

        var smtp = factory.Services.GetRequiredService<IOptions<EmailOptions>>().Value.Smtp;

        Assert.Equal(("127.0.0.1", 2525, SmtpSecurity.None), (smtp.Host, smtp.Port, smtp.Mode));
    }

    [Fact]
    public void In_development_a_configured_host_is_used_as_configured()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Email:Smtp:Host", "mail.internal");
        _ = factory.CreateClient();

        var smtp = factory.Services.GetRequiredService<IOptions<EmailOptions>>().Value.Smtp;

        Assert.Equal(("mail.internal", 587, SmtpSecurity.Auto), (smtp.Host, smtp.Port, smtp.Mode));
    }

    [Fact]
    public void Requiring_a_verified_address_with_mail_turned_off_stops_start_up_because_no_one_could_sign_in()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Email:Enabled", "false").With("Gatehouse:Accounts:RequireVerifiedEmail", "true");

        var message = factory.StartupFailure().Message;

        Assert.Contains("Gatehouse:Accounts:RequireVerifiedEmail is true but Gatehouse:Email:Enabled is false", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Requiring_a_verified_address_without_requiring_an_address_stops_start_up()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Accounts:RequireEmail", "false").With("Gatehouse:Accounts:RequireVerifiedEmail", "true");

        var message = factory.StartupFailure().Message;

        Assert.Contains("Set Gatehouse:Accounts:RequireEmail=true", message, StringComparison.Ordinal);
    }
}

/// <summary><c>GET /auth/config</c>: what the web app needs to show the right forms, before anyone signs in.</summary>
public sealed class AuthConfigTests
{
    [Fact]
    public async Task Anonymous_callers_get_the_defaults_mail_on_an_address_required_and_verification_not_required()
    {
        await using var factory = new GatehouseFactory();

        var response = await factory.CreateClient().GetAsync("/auth/config");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"emailEnabled":true,"requireEmail":true,"requireVerifiedEmail":false}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("public, max-age=60", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task It_reports_the_configured_account_rules()
    {
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:Accounts:RequireEmail", "true").With("Gatehouse:Accounts:RequireVerifiedEmail", "true");

        var config = await factory.CreateClient().GetFromJsonAsync<AuthConfigResponse>("/auth/config");

        Assert.Equal(new AuthConfigResponse(EmailEnabled: true, RequireEmail: true, RequireVerifiedEmail: true), config);
    }

    [Fact]
    public async Task With_mail_off_and_no_address_required_it_says_both()
    {
        await using var factory = new GatehouseFactory()
            .With("Gatehouse:Email:Enabled", "false").With("Gatehouse:Accounts:RequireEmail", "false");

        var config = await factory.CreateClient().GetFromJsonAsync<AuthConfigResponse>("/auth/config");

        Assert.Equal(new AuthConfigResponse(EmailEnabled: false, RequireEmail: false, RequireVerifiedEmail: false), config);
    }

    [Fact]
    public async Task It_is_in_the_openapi_document()
    {
        await using var factory = new GatehouseFactory();

        var json = await factory.CreateClient().GetStringAsync("/openapi/v1.json");

        using var document = System.Text.Json.JsonDocument.Parse(json);
        var get = document.RootElement.GetProperty("paths").GetProperty("/auth/config").GetProperty("get");
        Assert.True(get.GetProperty("responses").TryGetProperty("200", out _));
        Assert.Contains("requireVerifiedEmail", json, StringComparison.Ordinal);
    }
}
