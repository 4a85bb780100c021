using System.Xml;
using System.Xml.Linq;
using Gatehouse.Api.Data;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.DataProtection;

/// <summary>
/// Makes sure the shared key ring has a key in force before Data Protection first reads it, with one
/// instance at a time deciding. Left to itself, each instance that starts on a ring with no key in
/// force makes one, active at once; two starting together each make one, each may read the ring before
/// the other's key is there, and each protects with its own key. Data Protection re-reads the ring for
/// an unknown key only in a process's first two minutes, then once a day: a sign-in started on one and
/// finished on the other would fail with <c>invalid_request</c> for up to a day. Here the decision and
/// the new key's row are one transaction under a lock (PostgreSQL: an advisory lock; SQLite: the write
/// lock), so the second instance finds the first one's key. Later keys need no lock: Data Protection
/// makes each successor days before it takes over, so every instance has read it by then.
/// </summary>
internal sealed partial class KeyRingSeeder(
    IServiceScopeFactory scopes,
    IKeyManager keyManager,
    IOptions<KeyManagementOptions> options,
    SqliteWriteTurns turns,
    ILogger<KeyRingSeeder> logger) : IHostedLifecycleService
{
    // pg_advisory_xact_lock's number for this lock: "GH-DPK" in ASCII.
    private const long LockNumber = 0x4748_2D44_504B;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        // Data Protection reads the system clock (not TimeProvider), so the key's times come from that clock too.
        var now = DateTimeOffset.UtcNow;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        async Task<bool> HasKeyInForce() =>
            (await db.DataProtectionKeys.AsNoTracking().Select(k => k.Xml).ToListAsync(cancellationToken)).Any(xml => IsInForce(xml, now));

        // Every start but a ring's first finds a key in force: a read, without the lock.
        if (await HasKeyInForce())
        {
            return;
        }

        LogTakingLock(logger);
        using var turn = await turns.TakeAsync(db);
        // On SQLite this begins with BEGIN IMMEDIATE: the write lock, held until commit or rollback.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({LockNumber})", cancellationToken);
        }
        // Again under the lock: another instance may have stored one since.
        if (await HasKeyInForce())
        {
            return;
        }

        var created = KeyRingRepository.Capture(() => keyManager.CreateNewKey(now, now + options.Value.NewKeyLifetime));
        foreach (var (element, friendlyName) in created)
        {
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogCreated(logger, created.Count);
    }

    /// <summary>A key element (not a revocation) whose activation has come and whose expiration has not; its dates are never encrypted.</summary>
    internal static bool IsInForce(string? xml, DateTimeOffset now)
    {
        try
        {
            var element = XElement.Parse(xml ?? "");
            return element.Name.LocalName == "key"
                && element.Element("activationDate") is { } activation && XmlConvert.ToDateTimeOffset(activation.Value) <= now
                && element.Element("expirationDate") is { } expiration && now < XmlConvert.ToDateTimeOffset(expiration.Value);
        }
        catch (Exception exception) when (exception is XmlException or FormatException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Data Protection: no key in force; taking the key ring's lock to store one")]
    private static partial void LogTakingLock(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Data Protection: the shared key ring had no key in force; stored a new one ({Elements} element(s))")]
    private static partial void LogCreated(ILogger logger, int elements);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
