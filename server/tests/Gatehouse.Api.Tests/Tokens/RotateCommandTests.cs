using System.Globalization;
using System.Text.RegularExpressions;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary><c>dotnet Gatehouse.Api.dll --rotate-signing-key</c> as an operator runs it, beside a running server.</summary>
public sealed class RotateCommandTests : IDisposable
{
    private const string Passphrase = "correct-horse-battery-staple-42";
    private readonly string _directory = GatehouseFactory.NewDataDirectory();

    [Fact]
    public async Task The_command_adds_a_key_that_a_running_instance_publishes_within_its_refresh_interval()
    {
        var settings = Settings(migrated: true);
        settings["Gatehouse__Tokens__KeyRefreshInterval"] = "00:00:01";
        var url = $"http://127.0.0.1:{settings["PORT"]}";
        await using var api = ApiProcess.Start(_directory, settings);
        Assert.True(await api.WaitUntilServingAsync($"{url}/health/ready", TimeSpan.FromSeconds(30)), api.Output);
        using var client = new HttpClient();
        var old = Assert.Single(await KidsAsync(client, url));

        await using var rotate = ApiProcess.Start(_directory, new Dictionary<string, string?>(settings) { ["PORT"] = Port() }, "--rotate-signing-key");

        Assert.True(await rotate.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the command kept running:\n" + rotate.Output);
        Assert.True(rotate.ExitCode == 0, rotate.Output);
        var added = Regex.Match(rotate.Output, @"Added signing key (\S+): published in the JWKS now, signs from ").Groups[1].Value;
        Assert.NotEmpty(added);
        Assert.Contains($"Signing key {old} signs until then and verifies until ", rotate.Output, StringComparison.Ordinal);
        await Eventually.HoldsAsync(async () => (await KidsAsync(client, url)).Contains(added), "the running instance publishes the new key");
        Assert.Contains(old, await KidsAsync(client, url)); // it still signs for the next 15 minutes
        Assert.DoesNotContain(Passphrase, rotate.Output + api.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", rotate.Output + api.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_hs256_mode_the_command_fails_and_says_rotation_is_for_es256()
    {
        var settings = Settings(migrated: true);
        settings["JWT_SECRET"] = GatehouseFactory.JwtSecret;

        var output = await FailingRotationAsync(settings);

        Assert.Contains("cannot rotate", output, StringComparison.Ordinal);
        Assert.DoesNotContain(GatehouseFactory.JwtSecret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_a_database_that_was_never_migrated_the_command_fails_and_names_migrate_only()
    {
        var output = await FailingRotationAsync(Settings(migrated: false));

        Assert.Contains("--migrate-only", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_without_a_passphrase_the_command_fails_and_names_the_setting()
    {
        var settings = Settings(migrated: true);
        settings.Remove("Gatehouse__Tokens__KeyPassphrase");
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        settings["Gatehouse__Tokens__SigningKey"] = key.ExportPkcs8PrivateKeyPem();

        var output = await FailingRotationAsync(settings);

        Assert.Contains("Gatehouse:Tokens:KeyPassphrase is not set", output, StringComparison.Ordinal);
    }

    public void Dispose() => GatehouseFactory.DeleteDataDirectory(_directory);

    private async Task<string> FailingRotationAsync(Dictionary<string, string?> settings)
    {
        await using var rotate = ApiProcess.Start(_directory, settings, "--rotate-signing-key");
        Assert.True(await rotate.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the command kept running:\n" + rotate.Output);
        Assert.True(rotate.ExitCode != 0, "the command succeeded:\n" + rotate.Output);
        return rotate.Output;
    }

    private static async Task<string[]> KidsAsync(HttpClient client, string url) =>
        new JsonWebKeySet(await client.GetStringAsync($"{url}/.well-known/jwks.json")).Keys.Select(k => k.Kid).ToArray();

    /// <summary>A production deployment on the suite's database; <paramref name="migrated"/>: as the API left it, or empty.</summary>
    private Dictionary<string, string?> Settings(bool migrated)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Gatehouse__Data__Directory"] = _directory,
            ["Gatehouse__Tokens__KeyPassphrase"] = Passphrase,
            ["Gatehouse__Mfa__EncryptionKey"] = GatehouseFactory.MfaEncryptionKey,
            ["PORT"] = Port(),
            // Production needs an SMTP server or mail turned off; these tests send none.
            ["Gatehouse__Email__Enabled"] = "false",
        };
        if (!migrated)
        {
            settings["Database__MigrateOnStart"] = "false";
        }
        foreach (var (key, value) in TestDatabase.EnvironmentFor(_directory, migrated))
        {
            settings[key] = value;
        }
        return settings;
    }

    private static string Port() => ApiProcess.FreePort().ToString(CultureInfo.InvariantCulture);
}
