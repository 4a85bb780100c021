using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Hosting;

/// <summary>Bad configuration stops start-up with a message that says how to fix it.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("JWT_SECRET", "too-short", "JWT_SECRET is shorter than 32 bytes")]
    [InlineData("Gatehouse__Tokens__Lifetime", "00:00:00", "Gatehouse:Tokens:Lifetime")]
    [InlineData("Gatehouse__Tokens__Lifetime", "31.00:00:00", "at most 30 days")]
    [InlineData("Gatehouse__Tokens__ClockSkew", "00:05:00", "Gatehouse:Tokens:ClockSkew")]
    [InlineData("Gatehouse__Tokens__Issuer", "", "Gatehouse:Tokens:Issuer is empty")]
    [InlineData("Gatehouse__Tokens__Audience", " ", "Gatehouse:Tokens:Audience is empty")]
    [InlineData("Gatehouse__Tokens__SigningKeyPath", "/nonexistent/key.pem", "does not exist")]
    [InlineData("Gatehouse__Tokens__SigningKey", "-----BEGIN NONSENSE-----", "not a PEM-encoded EC private key")]
    [InlineData("Gatehouse__Tokens__KeyPassphrase", "short", "KeyPassphrase is shorter than 16 characters")]
    [InlineData("Gatehouse__Tokens__KeyRefreshInterval", "00:00:00", "Gatehouse:Tokens:KeyRefreshInterval")]
    [InlineData("Gatehouse__Tokens__ValidationCacheSize", "-1", "Gatehouse:Tokens:ValidationCacheSize is -1; use 0 (off)")]
    [InlineData("Gatehouse__Tokens__KeyActivationDelay", "00:00:59", "use at least 00:01:00 (twice the key refresh interval")]
    [InlineData("Gatehouse__Cookie__SameSite", "Sideways", "use Lax (default), Strict, or None")]
    [InlineData("FRONTEND_URL", "http://localhost:3000/some/path", "is not an origin")]
    [InlineData("FRONTEND_URL", "*", "is not an origin")]
    [InlineData("Gatehouse__PublicApiUrl", "api.example.com", "Gatehouse:PublicApiUrl is 'api.example.com', which is not the API's URL")]
    [InlineData("PORT", "70000", "out of range")]
    [InlineData("PORT", "three-thousand", "out of range")]
    [InlineData("Gatehouse__Listen__Address", "localhost-ish", "is not an IP address")]
    [InlineData("Gatehouse__Passwords__MemoryKiB", "1024", "OWASP's minimum")]
    [InlineData("Gatehouse__Passwords__Iterations", "1", "OWASP's minimum")]
    [InlineData("Database__Provider", "mysql", "Use sqlite (default) or postgres")]
    [InlineData("Gatehouse__Audit__RetainFor", "00:10:00", "Gatehouse:Audit:RetainFor")]
    [InlineData("Gatehouse__Email__Smtp__Security", "Sideways", "use Auto (default: STARTTLS when offered), None")]
    [InlineData("Database__Provider", "postgres", "ConnectionStrings:Default is empty")]
    public async Task An_invalid_setting_stops_startup_with_a_fix(string key, string value, string message)
    {
        var output = await StartupFailureAsync("Development", new() { [key] = value });

        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unusable_data_folder_stops_startup_with_a_fix()
    {
        var file = Path.GetTempFileName(); // a file where a folder should be: even root cannot create it
        try
        {
            var output = await StartupFailureAsync("Development", new() { ["Gatehouse__Data__Directory"] = Path.Combine(file, "data") });

            Assert.Contains("Cannot create the data folder", output, StringComparison.Ordinal);
            Assert.Contains("Gatehouse__Data__Directory", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Outside_development_a_missing_signing_key_stops_startup()
    {
        var output = await StartupFailureAsync("Production", new());

        Assert.Contains("No token signing key is configured", output, StringComparison.Ordinal);
        Assert.Contains("SigningKeyPath", output, StringComparison.Ordinal);
        Assert.Contains("Gatehouse:Tokens:KeyPassphrase", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_a_missing_smtp_server_stops_startup_with_a_fix()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

        var output = await StartupFailureAsync("Production", new() { ["Gatehouse__Tokens__SigningKey"] = key.ExportPkcs8PrivateKeyPem() });

        Assert.Contains("Gatehouse:Email:Smtp:Host is not set", output, StringComparison.Ordinal);
        Assert.Contains("Gatehouse__Email__Smtp__Host", output, StringComparison.Ordinal);
        Assert.Contains("Gatehouse__Email__Enabled=false", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_p384_key_is_refused_because_es256_needs_p256()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);

        var output = await StartupFailureAsync("Production", new() { ["Gatehouse__Tokens__SigningKey"] = key.ExportPkcs8PrivateKeyPem() });

        Assert.Contains("P-256", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_public_key_is_refused_because_signing_needs_the_private_key()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

        var output = await StartupFailureAsync("Production", new() { ["Gatehouse__Tokens__SigningKey"] = key.ExportSubjectPublicKeyInfoPem() });

        Assert.Contains("public key", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signing_key_file_is_used_outside_development()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var path = Path.Combine(Path.GetTempPath(), $"gatehouse-key-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(path, key.ExportPkcs8PrivateKeyPem());
        try
        {
            using var factory = new GatehouseFactory().WithEnvironment("Production")
                .With("Gatehouse:Tokens:SigningKey", null)
                .With("Gatehouse:Tokens:SigningKeyPath", path);
            var client = factory.CreateClient();

            var (_, token) = await client.SignUpAndLogInAsync();
            var jwks = new Microsoft.IdentityModel.Tokens.JsonWebKeySet(await client.GetStringAsync("/.well-known/jwks.json"));

            var expectedX = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(key.ExportParameters(false).Q.X);
            Assert.Equal(expectedX, jwks.Keys.Single().X);
            Assert.Equal(jwks.Keys.Single().Kid, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Kid);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_failed_start_does_not_print_the_secret()
    {
        var secret = "a-secret-that-is-too-short";

        var output = await StartupFailureAsync("Production", new() { ["JWT_SECRET"] = secret });

        Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_postgres_stops_startup_with_a_fix_and_without_the_password()
    {
        var output = await StartupFailureAsync("Development", new()
        {
            ["Database__Provider"] = "postgres",
            ["ConnectionStrings__Default"] = $"Host=127.0.0.1;Port={ApiProcess.FreePort()};Username=gatehouse;Password=hunter2-not-printed;Timeout=3",
        });

        Assert.Contains("Cannot reach the Postgres database", output, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Default", output, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-not-printed", output, StringComparison.Ordinal);
    }

    /// <summary>Starts the real process with the settings and returns what it printed before it exited.</summary>
    private static async Task<string> StartupFailureAsync(string environment, Dictionary<string, string?> settings)
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            settings["ASPNETCORE_ENVIRONMENT"] = environment;
            settings.TryAdd("Gatehouse__Data__Directory", directory);
            // A valid second-factor key unless the test is about it, so each test sees its own failure.
            settings.TryAdd("Gatehouse__Mfa__EncryptionKey", GatehouseFactory.MfaEncryptionKey);
            settings.TryAdd("PORT", ApiProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
            await using var api = ApiProcess.Start(directory, settings);

            Assert.True(await api.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the API started despite invalid settings:\n" + api.Output);
            Assert.NotEqual(0, api.ExitCode);
            return api.Output;
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }
}
