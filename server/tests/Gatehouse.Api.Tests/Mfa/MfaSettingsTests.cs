using System.Security.Cryptography;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Mfa;

/// <summary>Gatehouse:Mfa settings: a bad or missing key stops start-up outside Development, with the fix.</summary>
public sealed class MfaSettingsTests
{
    [Fact]
    public void Outside_development_a_missing_encryption_key_stops_startup_and_says_how_to_make_one()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Mfa:EncryptionKey", null).WithEnvironment("Production");

        var message = factory.StartupFailure().Message;

        Assert.Contains("Gatehouse:Mfa:EncryptionKey is not set", message, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", message, StringComparison.Ordinal);
        Assert.Contains("Gatehouse__Mfa__EncryptionKey", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("c2hvcnQga2V5")] // "short key": base64, but 9 bytes
    public void Outside_development_a_key_that_is_not_32_bytes_of_base64_stops_startup_without_printing_it(string key)
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Mfa:EncryptionKey", key).WithEnvironment("Production");

        var message = factory.StartupFailure().Message;

        Assert.Contains("Gatehouse:Mfa:EncryptionKey is not base64 of at least 32 bytes", message, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_the_development_key_is_refused()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:Mfa:EncryptionKey", MfaOptionsValidator.DevelopmentOnlyEncryptionKey).WithEnvironment("Production");

        Assert.Contains("Development's public key", factory.StartupFailure().Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Gatehouse:Mfa:MaxAttempts", "0", "Gatehouse:Mfa:MaxAttempts is 0")]
    [InlineData("Gatehouse:Mfa:PendingSignInLifetime", "00:00:00", "Gatehouse:Mfa:PendingSignInLifetime is 00:00:00")]
    public void Other_bad_second_factor_settings_stop_startup_with_a_fix(string key, string value, string expected)
    {
        using var factory = new GatehouseFactory().With(key, value);

        Assert.Contains(expected, factory.StartupFailure().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_a_good_key_starts_and_is_used()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        using var factory = new GatehouseFactory().With("Gatehouse:Mfa:EncryptionKey", key).WithEnvironment("Production");

        Assert.Equal(System.Net.HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/health")).StatusCode);
        Assert.NotEqual(Development().KeyId, factory.Services.GetRequiredService<MfaSecrets>().KeyId);
    }

    [Fact]
    public void Development_runs_without_a_key_on_its_own_fixed_one()
    {
        using var factory = new GatehouseFactory();

        Assert.Equal(Development().KeyId, factory.Services.GetRequiredService<MfaSecrets>().KeyId);
    }

    private static MfaSecrets Development() =>
        new(Microsoft.Extensions.Options.Options.Create(new MfaOptions { EncryptionKey = MfaOptionsValidator.DevelopmentOnlyEncryptionKey }));
}
