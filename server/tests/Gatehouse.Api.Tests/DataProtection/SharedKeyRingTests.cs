using System.Data.Common;
using System.Net;
using Gatehouse.Api.DataProtection;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tests.DataProtection;

/// <summary>Data Protection's key ring shared by every instance on one database (DataProtection/).</summary>
public sealed class SharedKeyRingTests(LocalProviderFixture fixture) : IClassFixture<LocalProviderFixture>
{
    private const string Purpose = "Gatehouse.Tests.SharedKeyRing";

    [Fact]
    public async Task What_one_instance_protects_another_on_the_same_database_unprotects_with_the_keys_kept_in_that_database()
    {
        using var first = new GatehouseFactory().With("Gatehouse:SeedDemoUser", "false");
        using var second = GatehouseFactory.OnDirectory(first.DataDirectory).With("Gatehouse:SeedDemoUser", "false");

        var fromFirst = Protector(first).Protect("started on the first");
        var fromSecond = Protector(second).Protect("started on the second");

        Assert.Equal("started on the first", Protector(second).Unprotect(fromFirst));
        Assert.Equal("started on the second", Protector(first).Unprotect(fromSecond));
        // The keys both instances hold are the rows of the table, not files of their own.
        var stored = await first.QueryAsync(db => Task.FromResult(db.DataProtectionKeys.Select(k => k.FriendlyName).ToList()));
        Assert.Equal(stored.Order(), KeyNames(first));
        Assert.Equal(stored.Order(), KeyNames(second));
        Assert.Single(stored);
        // Isolation by this name, not by the folder each instance is installed in.
        Assert.Equal(DataProtectionExtensions.ApplicationName, second.Services.GetRequiredService<IOptions<DataProtectionOptions>>().Value.ApplicationDiscriminator);
    }

    [Fact]
    public async Task With_an_encryption_key_the_stored_key_is_sealed_and_another_instance_with_that_key_opens_it()
    {
        var key = GatehouseFactory.MfaEncryptionKey;
        using var first = new GatehouseFactory().With("Gatehouse:SeedDemoUser", "false").With("Gatehouse:Mfa:EncryptionKey", key);
        using var second = GatehouseFactory.OnDirectory(first.DataDirectory).With("Gatehouse:SeedDemoUser", "false").With("Gatehouse:Mfa:EncryptionKey", key);

        var payload = Protector(first).Protect("sealed at rest");

        var xml = Assert.Single(await first.QueryAsync(db => Task.FromResult(db.DataProtectionKeys.Select(k => k.Xml!).ToList())));
        Assert.DoesNotContain("masterKey", xml);
        Assert.Contains(typeof(SealedKeyXmlDecryptor).FullName!, xml);
        Assert.Contains("<sealedByGatehouse", xml);
        Assert.Equal("sealed at rest", Protector(second).Unprotect(payload));
    }

    [Fact]
    public void An_instance_with_another_encryption_key_cannot_open_the_stored_key_and_says_which_setting_differs()
    {
        var otherKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        using var first = new GatehouseFactory().With("Gatehouse:SeedDemoUser", "false").With("Gatehouse:Mfa:EncryptionKey", GatehouseFactory.MfaEncryptionKey);
        using var other = GatehouseFactory.OnDirectory(first.DataDirectory).With("Gatehouse:SeedDemoUser", "false").With("Gatehouse:Mfa:EncryptionKey", otherKey);

        var payload = Protector(first).Protect("not for the other key");

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => Protector(other).Unprotect(payload));
        Assert.Contains(other.Logs.Lines, l => l.Contains("sealed under another Gatehouse:Mfa:EncryptionKey", StringComparison.Ordinal));
        Assert.DoesNotContain(otherKey, other.Logs.All);
        Assert.DoesNotContain(GatehouseFactory.MfaEncryptionKey, other.Logs.All);
    }

    [Fact]
    public async Task Development_without_an_encryption_key_stores_the_key_as_data_protection_does_by_default()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:SeedDemoUser", "false");
        Protector(factory).Protect("plain at rest");

        var xml = Assert.Single(await factory.QueryAsync(db => Task.FromResult(db.DataProtectionKeys.Select(k => k.Xml!).ToList())));
        Assert.Contains("<masterKey", xml);
        Assert.Contains(factory.Logs.Lines, l => l.Contains("No XML encryptor configured", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_instances_starting_at_once_on_an_empty_ring_store_one_key_and_read_each_others_payloads()
    {
        // The first instance stops just before writing its new key, holding the ring's lock; the
        // second starts meanwhile. Without the lock both would find the table empty and make a key each.
        // Both sign with a shared secret, so no signing-key ring is seeded at start: on SQLite that
        // seed is a write, and would wait on the lock held here until SQLite's 30 s busy timeout.
        var hold = new HoldKeyInsert();
        using var first = new GatehouseFactory().With("Gatehouse:SeedDemoUser", "false").With("JWT_SECRET", GatehouseFactory.JwtSecret)
            .WithServices(services => services.AddSingleton<IInterceptor>(hold));
        using var second = GatehouseFactory.OnDirectory(first.DataDirectory).With("Gatehouse:SeedDemoUser", "false").With("JWT_SECRET", GatehouseFactory.JwtSecret);

        var firstStarts = Task.Run(() => first.Server);
        await hold.Reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var secondStarts = Task.Run(() => second.Server);
        await Task.WhenAny(secondStarts, second.Logs.WaitForAsync("taking the key ring's lock"));
        hold.Release.SetResult();
        await Task.WhenAll(firstStarts, secondStarts).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Single(await first.QueryAsync(db => Task.FromResult(db.DataProtectionKeys.Select(k => k.Id).ToList())));
        Assert.Equal(KeyNames(first), KeyNames(second));
        Assert.Equal("from the first", Protector(second).Unprotect(Protector(first).Protect("from the first")));
        Assert.Equal("from the second", Protector(first).Unprotect(Protector(second).Protect("from the second")));
    }

    [Fact]
    public async Task An_external_sign_in_started_on_one_instance_finishes_on_another_and_lands_signed_in()
    {
        using var first = ExternalLoginDriver.Configure(new GatehouseFactory(), fixture.Provider);
        using var second = ExternalLoginDriver.Configure(GatehouseFactory.OnDirectory(first.DataDirectory), fixture.Provider);
        // One browser (one cookie jar) whose requests a load balancer sends to either instance.
        var cookies = new System.Net.CookieContainer();
        var onFirst = new ExternalLoginDriver(first.CreateDefaultClient(new Uri("https://localhost"), new CookieContainerHandler(cookies)));
        var onSecond = second.CreateDefaultClient(new Uri("https://localhost"), new CookieContainerHandler(cookies));
        var person = ExternalPerson.New("roaming");

        var authorization = await onFirst.StartAsync("/auth/external/local/start?next=%2Fdashboard");
        var callback = await onFirst.CallbackAsync(await ExternalLoginDriver.AuthorizeAsync(authorization, person.Answer()), onSecond);

        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        Assert.Equal("http://localhost:3000/dashboard", callback.Headers.Location!.ToString());
        Assert.NotNull(TestApi.AccessTokenCookie(callback));
        var me = await (await onSecond.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(person.Email, me.GetProperty("email").GetString());
    }

    private static IDataProtector Protector(GatehouseFactory factory) =>
        factory.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);

    private static List<string> KeyNames(GatehouseFactory factory) =>
        factory.Services.GetRequiredService<IKeyManager>().GetAllKeys().Select(k => $"key-{k.KeyId:D}").Order().ToList();

    /// <summary>Holds the first INSERT into the key table until the test releases it.</summary>
    private sealed class HoldKeyInsert : DbCommandInterceptor
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            if (IsKeyInsert(command))
            {
                Reached.TrySetResult();
                Release.Task.Wait(TimeSpan.FromSeconds(60));
            }
            return result;
        }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (IsKeyInsert(command))
            {
                Reached.TrySetResult();
                await Release.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            }
            return result;
        }

        private static bool IsKeyInsert(DbCommand command) =>
            command.CommandText.Contains("INSERT INTO \"DataProtectionKeys\"", StringComparison.Ordinal);
    }
}
