using System.Data.Common;
using System.Security.Cryptography;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary>How the ring's keys are kept: encrypted at rest, one first key however many instances start, none in HS256 mode.</summary>
public sealed class SigningKeyStorageTests
{
    private const string Passphrase = "correct-horse-battery-staple-42";

    [Fact]
    public async Task With_a_passphrase_private_keys_are_encrypted_at_rest_and_never_logged()
    {
        using var configured = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var factory = new GatehouseFactory()
            .With("Gatehouse:Tokens:SigningKey", configured.ExportPkcs8PrivateKeyPem())
            .With("Gatehouse:Tokens:KeyPassphrase", Passphrase)
            .WithEnvironment("Production");
        var (_, token, _) = await factory.SignInAsync();
        var added = await factory.RotateAsync();

        var stored = await PrivateKeyColumnAsync(factory.DataDirectory);

        Assert.Equal(new[] { KeyRing.Kid(token), added }.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        var secrets = new List<string> { Passphrase };
        foreach (var (kid, column) in stored)
        {
            var pem = Assert.IsType<string>(column);
            Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", pem, StringComparison.Ordinal);
            using var wrong = ECDsa.Create();
            Assert.ThrowsAny<CryptographicException>(() => wrong.ImportFromEncryptedPem(pem, "another-passphrase-of-length"));
            using var opened = ECDsa.Create();
            opened.ImportFromEncryptedPem(pem, Passphrase);
            var d = opened.ExportParameters(includePrivateParameters: true).D!;
            secrets.Add(Base64UrlEncoder.Encode(d)); // as a JWK "d" would show it
            secrets.Add(Convert.ToBase64String(d));
            secrets.Add(opened.ExportPkcs8PrivateKeyPem().Split('\n')[1]); // the plain PEM's first body line
            secrets.Add(pem.Split('\n')[1]);
            if (kid == KeyRing.Kid(token))
            {
                Assert.Equal(configured.ExportParameters(true).D, d); // the configured key, imported as is
            }
        }
        var logs = factory.Logs.All;
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, logs, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_passphrase_a_configured_key_stays_in_configuration_and_rotation_asks_for_one()
    {
        using var factory = new GatehouseFactory().WithEnvironment("Production");
        var (_, token, _) = await factory.SignInAsync();

        var stored = await PrivateKeyColumnAsync(factory.DataDirectory);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => factory.RotateAsync());

        Assert.Equal(KeyRing.Kid(token), Assert.Single(stored).Key);
        Assert.Null(stored[KeyRing.Kid(token)]); // the database holds only its public half
        Assert.Contains("Gatehouse:Tokens:KeyPassphrase is not set", error.Message, StringComparison.Ordinal);
        Assert.Single(await factory.JwksKidsAsync());
    }

    [Fact]
    public async Task An_instance_with_another_passphrase_refuses_to_start_and_says_which_setting_differs()
    {
        using var first = new GatehouseFactory().With("Gatehouse:Tokens:SigningKey", null)
            .With("Gatehouse:Tokens:KeyPassphrase", Passphrase).WithEnvironment("Production");
        await first.SignInAsync(); // Gatehouse made the key itself and stored it encrypted
        using var second = GatehouseFactory.OnDirectory(first.DataDirectory).With("Gatehouse:Tokens:SigningKey", null)
            .With("Gatehouse:Tokens:KeyPassphrase", "a-different-passphrase-0123").WithEnvironment("Production");

        var failure = Record.Exception(() => second.CreateClient());

        var message = Messages(failure);
        Assert.Contains("cannot be used on this instance", message, StringComparison.Ordinal);
        Assert.Contains("Gatehouse:Tokens:KeyPassphrase differs", message, StringComparison.Ordinal);
        Assert.DoesNotContain(Passphrase, message, StringComparison.Ordinal);
        Assert.DoesNotContain("a-different-passphrase-0123", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Instances_starting_together_on_an_empty_database_agree_on_one_first_key()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        // The suite makes a folder's database on first ask, not safely from four threads at once: ask first.
        _ = TestDatabase.SettingsFor(directory);
        var instances = Enumerable.Range(0, 4).Select(_ => GatehouseFactory.OnDirectory(directory)
            .With("Gatehouse:Tokens:SigningKey", null).With("Gatehouse:Tokens:KeyPassphrase", Passphrase).WithEnvironment("Production")).ToList();
        try
        {
            // Each would make a key of its own (none is configured); only one may become the first.
            await Task.WhenAll(instances.Select(instance => Task.Run(() => instance.CreateClient())));

            var kids = await Task.WhenAll(instances.Select(instance => instance.JwksKidsAsync()));
            var tokens = await Task.WhenAll(instances.Select(async instance => (await instance.SignInAsync()).Access));

            var kid = Assert.Single(Assert.Single(kids.Select(k => string.Join(',', k)).Distinct()).Split(','));
            Assert.All(tokens, token => Assert.Equal(kid, KeyRing.Kid(token)));
            Assert.Equal([kid], (await PrivateKeyColumnAsync(directory)).Keys);
        }
        finally
        {
            instances.ForEach(instance => instance.Dispose());
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    public async Task The_database_refuses_a_second_key_with_the_same_sequence()
    {
        using var factory = new GatehouseFactory();
        await factory.SignInAsync();

        var error = await Record.ExceptionAsync(() => factory.QueryAsync(db =>
        {
            var now = factory.Time.GetUtcNow();
            db.SigningKeys.Add(new StoredSigningKey { Kid = "another", Sequence = 1, PublicKey = "-", CreatedAt = now, ActivatesAt = now });
            return db.SaveChangesAsync();
        }));

        Assert.IsType<DbUpdateException>(error);
    }

    [Fact]
    public async Task With_jwt_secret_no_signing_key_is_made_or_stored()
    {
        using var factory = new GatehouseFactory().With("JWT_SECRET", GatehouseFactory.JwtSecret);
        await factory.SignInAsync();

        Assert.Empty(await PrivateKeyColumnAsync(factory.DataDirectory));
        Assert.False(File.Exists(Path.Combine(factory.DataDirectory, "signing-key.pem")));
    }

    /// <summary>The PrivateKey column as stored, read with SQL of our own rather than through the app.</summary>
    private static async Task<Dictionary<string, string?>> PrivateKeyColumnAsync(string directory)
    {
        await using var connection = await TestDatabase.OpenAsync(directory);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT \"Kid\", \"PrivateKey\" FROM \"SigningKeys\"";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        return rows;
    }

    private static string Messages(Exception? exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message);
        }
        Assert.NotEmpty(messages);
        return string.Join('\n', messages);
    }
}
