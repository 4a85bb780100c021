using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.ExternalLogins;

/// <summary>Providers come from settings only, and bad ones stop start-up with a message that says how to fix them.</summary>
public sealed class ExternalLoginSettingsTests
{
    private const string Local = "Gatehouse:ExternalLogins:Providers:local";

    [Fact]
    public void A_plain_http_authority_is_refused_outside_Development()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production")
            .With($"{Local}:Authority", "http://idp.example.com")
            .With($"{Local}:ClientId", "gatehouse");

        var failure = factory.StartupFailure();

        Assert.Contains("Gatehouse:ExternalLogins:Providers:local:Authority is 'http://idp.example.com', plain http, refused outside Development unless on a loopback address", failure.Message);
    }

    [Fact]
    public void A_plain_http_authority_on_loopback_is_allowed_outside_Development()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production")
            .With($"{Local}:Authority", "http://127.0.0.1:1/")
            .With($"{Local}:ClientId", "gatehouse");

        Assert.NotNull(factory.CreateClient());
    }

    [Theory]
    [InlineData("Type", "saml", "Type is 'saml'; use oidc (default, any OpenID Connect provider) or github.")]
    [InlineData("ClientId", "", "ClientId is missing")]
    [InlineData("Authority", "", "Authority is missing")]
    public void A_provider_with_a_bad_or_missing_setting_stops_start_up(string setting, string value, string message)
    {
        using var factory = new GatehouseFactory()
            .With($"{Local}:Authority", "https://idp.example.com")
            .With($"{Local}:ClientId", "gatehouse")
            .With($"{Local}:{setting}", value);

        Assert.Contains($"{Local}:{message}", factory.StartupFailure().Message);
    }

    [Fact]
    public void A_provider_id_that_cannot_be_a_path_segment_stops_start_up()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:ExternalLogins:Providers:My_IdP:Authority", "https://idp.example.com")
            .With("Gatehouse:ExternalLogins:Providers:My_IdP:ClientId", "gatehouse");

        Assert.Contains("the id 'My_IdP' must be 1 to 32 lower-case letters, digits or '-'", factory.StartupFailure().Message);
    }

    [Fact]
    public void GitHub_needs_its_client_secret()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:ExternalLogins:Providers:github:Type", "github")
            .With("Gatehouse:ExternalLogins:Providers:github:ClientId", "abc");

        Assert.Contains("Gatehouse:ExternalLogins:Providers:github:ClientSecret is missing", factory.StartupFailure().Message);
    }
}
