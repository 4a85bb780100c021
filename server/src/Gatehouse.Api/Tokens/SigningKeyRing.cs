using System.Collections.Concurrent;
using System.Security.Cryptography;
using Gatehouse.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tokens;

/// <summary>A key of the ring as this instance holds it.</summary>
public sealed record RingKey(
    string Kid,
    long Sequence,
    DateTimeOffset ActivatesAt,
    // When a newer key takes over (null: none has yet), and so when this one leaves the JWKS.
    DateTimeOffset? SignsUntil,
    DateTimeOffset? VerifiesUntil,
    ECDsaSecurityKey PublicKey,
    ECDsaSecurityKey? PrivateKey,
    // Why this instance cannot sign with it (null when it can); never key material.
    string? Unusable,
    bool StoredEncrypted,
    PublicJwk Jwk);

/// <summary>What a rotation did, for the command to print: the new key, and the one signing until it activates.</summary>
public sealed record Rotation(RingKey Added, RingKey Previous);

/// <summary>
/// The ES256 keys every instance shares, read from the database. The newest key whose activation
/// time has come signs; every key not yet past its retirement verifies, including keys that do not
/// sign yet, so the JWKS publishes a key before any token carries it. A key that a newer one
/// replaced at T verifies until T + token lifetime + clock skew (its last token's end), then leaves
/// the JWKS and is deleted. Each instance re-reads the rows every KeyRefreshInterval.
/// </summary>
public sealed partial class SigningKeyRing(
    IServiceScopeFactory scopes,
    IOptions<TokenOptions> options,
    IOptions<DataOptions> data,
    IHostEnvironment environment,
    TimeProvider time,
    ILogger<SigningKeyRing> logger)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<RingKey>? _keys; // newest first, swapped whole on each refresh
    private Task? _starting; // the load BeginStart set going; null when StartAsync was awaited directly
    private Task? _prefetch; // the early read BeginPrefetch set going before the database initializer
    // Private keys being opened ahead of the first build, by kid, with the stored text each came from.
    private readonly ConcurrentDictionary<string, (string Pem, Task<OpenedKey> Opening)> _early = new(StringComparer.Ordinal);

    private sealed record OpenedKey(ECDsa? Key, string? Unusable);
    private ECDsa? _configured;
    private string? _configuredKid;

    internal const string PassphraseRequired =
        "Gatehouse:Tokens:KeyPassphrase is not set. A new key is kept in the database encrypted with it; set it (the same value on every instance), e.g. from: openssl rand -base64 32";

    private TokenOptions Settings => options.Value;

    /// <summary>The key that signs now.</summary>
    public RingKey Signer
    {
        get
        {
            var now = time.GetUtcNow();
            var signer = Keys.FirstOrDefault(k => k.ActivatesAt <= now)
                ?? throw new InvalidOperationException("The signing key ring has no active key.");
            return signer.PrivateKey is null
                ? throw new InvalidOperationException($"Signing key {signer.Kid} is due to sign but {signer.Unusable}.")
                : signer;
        }
    }

    /// <summary>Every key a token may carry now: the signer, newer keys about to sign, and retiring ones.</summary>
    public IReadOnlyList<RingKey> VerificationKeys
    {
        get
        {
            var now = time.GetUtcNow();
            return Keys.Where(k => k.VerifiesUntil is not { } end || now < end).ToList();
        }
    }

    /// <summary>Whether <paramref name="kid"/> is one of <see cref="VerificationKeys"/>, without building the list.</summary>
    public bool Verifies(string? kid)
    {
        var now = time.GetUtcNow();
        foreach (var key in Keys)
        {
            if (key.Kid == kid)
            {
                return key.VerifiesUntil is not { } end || now < end;
            }
        }
        return false;
    }

    private IReadOnlyList<RingKey> Keys => _keys ?? WaitForStart();

    /// <summary>
    /// Whether the keys are loaded and this instance can sign: what <c>/health/ready</c> waits for.
    /// True when the ring was started by an awaited <see cref="StartAsync"/>, false until <see cref="BeginStart"/>'s load succeeded.
    /// </summary>
    public bool IsLoaded => _keys is not null && _starting is not { IsCompletedSuccessfully: false };

    /// <summary>
    /// Sets <see cref="StartAsync"/> (requiring a usable key) going and returns at once, so that the
    /// key derivation (600,000 PBKDF2 iterations per stored key) runs while the rest of the app and
    /// Kestrel start; <see cref="IsLoaded"/> says when it is done, and the returned task fails as
    /// StartAsync would. Nothing can sign or verify before then (see <see cref="WaitForStart"/>).
    /// </summary>
    public Task BeginStart(CancellationToken cancellationToken) =>
        _starting = Task.Run(() => StartAsync(requireUsable: true, cancellationToken), cancellationToken);

    /// <summary>
    /// Sets <see cref="OpenEarlyAsync"/> going as the host starts, before the database initializer
    /// (migrations check, demo seeder), so the PBKDF2 runs beside that work too instead of after it.
    /// Only a head start: a key opened here is used only if its row still holds the same text when
    /// <see cref="StartAsync"/> reads the ring after the initializer, and a read that fails (on a first
    /// start the table does not exist yet) is ignored, leaving StartAsync to open every key itself.
    /// </summary>
    public void BeginPrefetch(CancellationToken cancellationToken) =>
        _prefetch ??= Task.Run(async () =>
        {
            try
            {
                await OpenEarlyAsync(cancellationToken, onlyIfDatabaseExists: true);
            }
            catch (Exception exception)
            {
                _early.Clear();
                if (exception is not OperationCanceledException)
                {
                    LogPrefetchSkipped(logger, exception.GetType().Name);
                }
            }
        }, CancellationToken.None);

    /// <summary>
    /// A request that comes before the background load is done (one that did not wait for
    /// <c>/health/ready</c>) waits for it instead of failing: at most once per process, at start-up.
    /// </summary>
    private IReadOnlyList<RingKey> WaitForStart()
    {
        _starting?.GetAwaiter().GetResult();
        return _keys ?? throw new InvalidOperationException("The signing key ring is not loaded yet; it loads as the app starts.");
    }

    /// <summary>
    /// Seeds an empty ring (the configured key, the Development key file, or a new key) and loads it.
    /// With <paramref name="requireUsable"/>, start-up fails if this instance could not sign with the
    /// current or a coming key, rather than failing logins later.
    /// </summary>
    public async Task StartAsync(bool requireUsable, CancellationToken cancellationToken)
    {
        var directory = data.Value.ResolveDirectory(environment);
        if (_prefetch is null)
        {
            await OpenEarlyAsync(cancellationToken);
        }
        else
        {
            await _prefetch; // never faults: see BeginPrefetch
        }
        var rows = await LoadRowsAsync(cancellationToken);
        _configured ??= ConfiguredSigningKey.Load(Settings, environment, directory, createInDevelopment: rows.Count == 0, logger);
        _configuredKid = _configured is null ? null : SigningKeyMaterial.Kid(_configured);
        if (rows.Count == 0)
        {
            await SeedAsync(cancellationToken);
        }
        else if (_configuredKid is not null && !rows.Any(r => r.Kid == _configuredKid))
        {
            LogConfiguredKeyIgnored(logger, _configuredKid);
        }
        await RefreshAsync(cancellationToken);
        _early.Clear(); // e.g. a row whose key this instance has from configuration

        var now = time.GetUtcNow();
        // The signer and any key still to sign; a key that has been replaced only verifies.
        var unusable = Keys.Where(k => k.PrivateKey is null && (k.SignsUntil is not { } end || end > now)).ToList();
        if (requireUsable && unusable.Count > 0)
        {
            var key = unusable[0];
            throw new InvalidOperationException(
                $"Signing key {key.Kid} (signing from {key.ActivatesAt:u}) cannot be used on this instance: {key.Unusable}. " +
                "Give every instance the same Gatehouse:Tokens:KeyPassphrase and the same SigningKey/SigningKeyPath, or run --rotate-signing-key to replace the key.");
        }
    }

    /// <summary>Re-reads the rows, so a key another instance added is published here too; deletes keys past retirement.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var rows = await LoadRowsAsync(cancellationToken);
            var known = _keys?.Select(k => k.Kid).ToHashSet(StringComparer.Ordinal) ?? [];
            var keys = Build(rows);
            foreach (var key in keys.Where(k => !known.Contains(k.Kid)))
            {
                LogKeyLoaded(logger, key.Kid, key.ActivatesAt);
            }
            foreach (var key in keys.Where(k => k.Unusable is not null && (k.SignsUntil is null || k.SignsUntil > time.GetUtcNow()) && _reported.Add(k.Kid)))
            {
                LogKeyUnusable(logger, key.Kid, key.Unusable!);
            }
            _keys = keys;

            var now = time.GetUtcNow();
            var retired = keys.Where(k => k.VerifiesUntil <= now).Select(k => k.Kid).ToList();
            if (retired.Count > 0)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
                await db.SigningKeys.Where(k => retired.Contains(k.Kid)).ExecuteDeleteAsync(cancellationToken);
                _keys = keys.Where(k => !retired.Contains(k.Kid)).ToList();
                foreach (var kid in retired)
                {
                    LogKeyDeleted(logger, kid);
                }
            }
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// Adds a new key that is published at once and signs after KeyActivationDelay; the key signing
    /// now verifies until that moment plus its tokens' lifetime.
    /// </summary>
    public async Task<Rotation> RotateAsync(CancellationToken cancellationToken)
    {
        if (!Settings.HasPassphrase && !environment.IsDevelopment())
        {
            throw new InvalidOperationException(PassphraseRequired);
        }
        var previous = Keys.First(k => k.ActivatesAt <= time.GetUtcNow());
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var kid = SigningKeyMaterial.Kid(ecdsa);
        var now = time.GetUtcNowInSeconds();
        for (var attempt = 0; ; attempt++)
        {
            var next = (await LoadRowsAsync(cancellationToken)).Select(r => r.Sequence).DefaultIfEmpty(0).Max() + 1;
            var row = NewRow(ecdsa, next, now, now + Settings.KeyActivationDelay, SigningKeyMaterial.Protect(ecdsa, Settings.KeyPassphrase));
            // A rotation at the same moment elsewhere took this sequence number: take the next one.
            if (await TryAddAsync(row, cancellationToken) || attempt == 2)
            {
                break;
            }
        }
        await RefreshAsync(cancellationToken);
        return new Rotation(Keys.Single(k => k.Kid == kid), Keys.Single(k => k.Kid == previous.Kid));
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNowInSeconds();
        StoredSigningKey row;
        if (_configured is not null)
        {
            // Active at once: it is the key that signed before the ring existed, so its tokens stay good.
            // Stored encrypted when a passphrase allows; otherwise it stays in configuration alone.
            var privateKey = Settings.HasPassphrase ? SigningKeyMaterial.Protect(_configured, Settings.KeyPassphrase) : null;
            row = NewRow(_configured, 1, now, now, privateKey);
        }
        else
        {
            // The validator allows no configured key outside Development only with a passphrase.
            using var generated = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            row = NewRow(generated, 1, now, now, SigningKeyMaterial.Protect(generated, Settings.KeyPassphrase));
        }
        if (!await TryAddAsync(row, cancellationToken))
        {
            // Another instance seeded the ring at the same moment; theirs is the first key.
            LogSeedRaceLost(logger);
        }
    }

    private static StoredSigningKey NewRow(ECDsa ecdsa, long sequence, DateTimeOffset createdAt, DateTimeOffset activatesAt, string? privateKey) => new()
    {
        Kid = SigningKeyMaterial.Kid(ecdsa),
        Sequence = sequence,
        PublicKey = ecdsa.ExportSubjectPublicKeyInfoPem(),
        PrivateKey = privateKey,
        CreatedAt = createdAt,
        ActivatesAt = activatesAt,
    };

    /// <summary>False when the unique kid or sequence refused the row: someone else added theirs first.</summary>
    private async Task<bool> TryAddAsync(StoredSigningKey row, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        db.SigningKeys.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Provider-neutral: whatever the constraint's error code, if a row now holds the place we lost a race.
            await using var fresh = scopes.CreateAsyncScope();
            var taken = await fresh.ServiceProvider.GetRequiredService<GatehouseDbContext>().SigningKeys.AsNoTracking()
                .AnyAsync(k => k.Sequence == row.Sequence || k.Kid == row.Kid, cancellationToken);
            if (!taken)
            {
                throw;
            }
            return false;
        }
    }

    /// <summary>
    /// Reads only the stored private keys, with a plain query, and sets their decryption going on the
    /// thread pool (one PBKDF2 run per key, side by side), so it overlaps EF Core's compiling of the
    /// ring's own query, a few hundred milliseconds for a process's first LINQ query. The build then
    /// takes a key from here only if its row still holds the same text; anything else opens as before.
    /// </summary>
    private async Task OpenEarlyAsync(CancellationToken cancellationToken, bool onlyIfDatabaseExists = false)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        // Ahead of the initializer, opening a connection must not create the database (SQLite's file):
        // the initializer makes its folder and file private first.
        if (onlyIfDatabaseExists && !await db.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken))
        {
            return;
        }
        var entity = db.Model.FindEntityType(typeof(StoredSigningKey))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        string Column(string property) => sql.DelimitIdentifier(entity.FindProperty(property)!.GetColumnName(table)!);

        await db.Database.OpenConnectionAsync(cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText =
            $"SELECT {Column(nameof(StoredSigningKey.Kid))}, {Column(nameof(StoredSigningKey.PrivateKey))} " +
            $"FROM {sql.DelimitIdentifier(table.Name, table.Schema)} WHERE {Column(nameof(StoredSigningKey.PrivateKey))} IS NOT NULL";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new StoredSigningKey { Kid = reader.GetString(0), PrivateKey = reader.GetString(1) };
            _early.TryAdd(row.Kid, (row.PrivateKey, Task.Run(() => Unprotect(row), cancellationToken)));
        }
    }

    private async Task<List<StoredSigningKey>> LoadRowsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        return await db.SigningKeys.AsNoTracking().OrderBy(k => k.Sequence).ToListAsync(cancellationToken);
    }

    private List<RingKey> Build(List<StoredSigningKey> rows)
    {
        var held = _keys;
        // The private keys not held yet are opened side by side, one PBKDF2 run per core at a time:
        // during a rotation an instance starts with two keys, and their runs need not queue.
        var opened = new (ECDsa? Key, string? Unusable)[rows.Count];
        Parallel.For(0, rows.Count, i =>
        {
            if (held?.Any(k => k.Kid == rows[i].Kid) != true)
            {
                opened[i] = (OpenPrivateKey(rows[i], out var unusable), unusable);
            }
        });
        var keys = new List<RingKey>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            // Any newer key ends this one's signing once it activates; the earliest such moment counts.
            DateTimeOffset? signsUntil = i + 1 < rows.Count ? rows.Skip(i + 1).Min(r => r.ActivatesAt) : null;
            // A key already held keeps its objects: IdentityModel caches its crypto providers per key.
            if (held?.FirstOrDefault(k => k.Kid == row.Kid) is { } kept)
            {
                keys.Add(kept with { SignsUntil = signsUntil, VerifiesUntil = signsUntil + Settings.RetirementGrace });
                continue;
            }
            var publicEcdsa = ECDsa.Create();
            publicEcdsa.ImportFromPem(row.PublicKey);
            var publicKey = new ECDsaSecurityKey(publicEcdsa) { KeyId = row.Kid };
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(publicKey);
            var (privateEcdsa, unusable) = opened[i];
            keys.Add(new RingKey(
                row.Kid, row.Sequence, row.ActivatesAt, signsUntil, signsUntil + Settings.RetirementGrace,
                publicKey,
                privateEcdsa is null ? null : new ECDsaSecurityKey(privateEcdsa) { KeyId = row.Kid },
                unusable,
                row.PrivateKey is { } pem && SigningKeyMaterial.IsEncrypted(pem),
                new PublicJwk("EC", "P-256", jwk.X, jwk.Y, row.Kid, "sig", SecurityAlgorithms.EcdsaSha256)));
        }
        keys.Reverse();
        return keys;
    }

    private ECDsa? OpenPrivateKey(StoredSigningKey row, out string? unusable)
    {
        unusable = null;
        if (_configured is not null && _configuredKid == row.Kid)
        {
            return _configured;
        }
        if (row.PrivateKey is null)
        {
            unusable = "its private key lives in configuration (Gatehouse:Tokens:SigningKey or SigningKeyPath) and this instance is not configured with it";
            return null;
        }
        if (_early.TryRemove(row.Kid, out var early) && early.Pem == row.PrivateKey)
        {
            var opened = early.Opening.GetAwaiter().GetResult(); // started at StartAsync; Build runs on the thread pool
            unusable = opened.Unusable;
            return opened.Key;
        }
        // A PBKDF2 run: done once per key and process, since Build keeps the keys it already holds.
        (var key, unusable) = Unprotect(row);
        return key;
    }

    private OpenedKey Unprotect(StoredSigningKey row)
    {
        var key = SigningKeyMaterial.Unprotect(row, Settings.KeyPassphrase, out var problem);
        return new OpenedKey(key, key is null ? problem : null);
    }

    [LoggerMessage(LogLevel.Information, "Signing key {Kid} is in the ring; it signs from {ActivatesAt:u}")]
    private static partial void LogKeyLoaded(ILogger logger, string kid, DateTimeOffset activatesAt);

    [LoggerMessage(LogLevel.Information, "Deleted signing key {Kid}: its last token has expired")]
    private static partial void LogKeyDeleted(ILogger logger, string kid);

    [LoggerMessage(LogLevel.Error, "Signing key {Kid} cannot sign on this instance: {Reason}. It still verifies; fix this before it is due to sign.")]
    private static partial void LogKeyUnusable(ILogger logger, string kid, string reason);

    [LoggerMessage(LogLevel.Warning, "The configured signing key {Kid} is not in the key ring and is not used: the ring in the database decides which key signs (rotate with --rotate-signing-key)")]
    private static partial void LogConfiguredKeyIgnored(ILogger logger, string kid);

    [LoggerMessage(LogLevel.Debug, "The signing keys were not read ahead of the database initializer ({Error}); they are opened after it")]
    private static partial void LogPrefetchSkipped(ILogger logger, string error);

    [LoggerMessage(LogLevel.Information, "Another instance created the first signing key at the same moment; using theirs")]
    private static partial void LogSeedRaceLost(ILogger logger);
}
