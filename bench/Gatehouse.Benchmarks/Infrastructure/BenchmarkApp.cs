using System.Security.Cryptography;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Benchmarks.Infrastructure;

public enum SigningAlgorithm
{
    ES256,
    HS256,
}

/// <summary>
/// The API's real services, built by its own Program as a production instance would be, over a
/// SQLite database in a temporary folder that Dispose deletes. Nothing listens: only the services
/// are used. ES256 with a configured key (no PBKDF2 at start, unlike a ring under a passphrase;
/// signing is the same), or HS256 with a JWT_SECRET.
/// </summary>
internal sealed class BenchmarkApp : WebApplicationFactory<Program>
{
    private readonly SigningAlgorithm _algorithm;
    private readonly string _directory = Directory.CreateTempSubdirectory("gatehouse-bench-").FullName;

    static BenchmarkApp()
    {
        // The build output, which holds the API's appsettings.json, as a deployed API's content root.
        // WebApplicationFactory reads this setting first; otherwise it looks for its manifest in the
        // working folder, which is wherever the benchmarks were started from.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_GATEHOUSE_API", AppContext.BaseDirectory);
    }

    private BenchmarkApp(SigningAlgorithm algorithm) => _algorithm = algorithm;

    /// <summary>Builds and starts the app (migrations, key ring), so its services are ready to use.</summary>
    public static BenchmarkApp Start(SigningAlgorithm algorithm = SigningAlgorithm.ES256)
    {
        var app = new BenchmarkApp(algorithm);
        try
        {
            _ = app.Services;
            return app;
        }
        catch
        {
            app.Dispose(); // BenchmarkDotNet does not clean up after a failed setup: the folder must go now
            throw;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        string signingKey;
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            signingKey = key.ExportPkcs8PrivateKeyPem();
        }
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gatehouse:Data:Directory"] = _directory,
            // SQLite in the folder above, one instance: a developer's shell must not point it elsewhere.
            ["Database:Provider"] = "sqlite",
            ["ConnectionStrings:Default"] = "",
            ["Redis:Configuration"] = "",
            ["JWT_SECRET"] = _algorithm == SigningAlgorithm.HS256 ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)) : "",
            ["Gatehouse:Tokens:Secret"] = "",
            ["Gatehouse:Tokens:SigningKey"] = _algorithm == SigningAlgorithm.ES256 ? signingKey : "",
            // Production needs an SMTP server for mail; these paths send none.
            ["Gatehouse:Email:Enabled"] = "false",
            // And a key for the second factors' secrets at rest.
            ["Gatehouse:Mfa:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        }));
        // Log lines would be noise between BenchmarkDotNet's; the measured paths log nothing when all is well.
        builder.ConfigureLogging(logging => logging.ClearProviders());
    }

    /// <summary>A user and a live session of theirs, made through the API's own stores.</summary>
    public async Task<Session> CreateSessionAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = new User { UserName = $"bench-{Guid.NewGuid():N}", CreatedAt = DateTimeOffset.UtcNow };
        var created = await users.CreateAsync(user);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException($"Could not create the benchmark user: {string.Join("; ", created.Errors.Select(e => e.Description))}");
        }
        var sessions = scope.ServiceProvider.GetRequiredService<SessionStore>();
        var issued = await sessions.CreateAsync(user.Id, AuthMethods.Password, new DefaultHttpContext(), CancellationToken.None);
        return issued.Session;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        // Called again by DisposeAsync: the folder is gone by then.
        if (disposing && Directory.Exists(_directory))
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
