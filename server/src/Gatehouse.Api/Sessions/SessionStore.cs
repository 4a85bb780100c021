using Gatehouse.Api.Data;
using Gatehouse.Api.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Sessions;

/// <summary>Creates, checks and revokes sessions. Checks are cached; a revocation updates the cache at once.</summary>
public sealed class SessionStore(GatehouseDbContext db, SessionCache cache, TimeProvider time, IOptions<TokenOptions> tokens)
{
    public async Task<Session> CreateAsync(Guid userId, TimeSpan lifetime, HttpContext http, CancellationToken cancellationToken)
    {
        // JWT times are whole seconds; keeping the session's to the second makes them agree exactly.
        var now = TruncateToSeconds(time.GetUtcNow());
        var session = new Session
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
            UserAgent = Truncate(http.Request.Headers.UserAgent.ToString(), Session.MaxUserAgentLength),
            IpAddress = Truncate(http.Connection.RemoteIpAddress?.ToString(), Session.MaxIpAddressLength),
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        cache.Remember(session.Id, new SessionState(session.UserId, session.ExpiresAt, Revoked: false));
        return session;
    }

    /// <summary>
    /// True when the session exists, belongs to the user, is not revoked and has not expired, allowing
    /// the same clock skew as the token's <c>exp</c> check so that the two deadlines agree.
    /// </summary>
    public async Task<bool> IsActiveAsync(Guid sessionId, Guid userId, CancellationToken cancellationToken)
    {
        if (cache.IsRevoked(sessionId))
        {
            return false;
        }
        if (!cache.TryGet(sessionId, out var state))
        {
            var row = await db.Sessions.AsNoTracking()
                .Where(s => s.Id == sessionId)
                .Select(s => new { s.UserId, s.ExpiresAt, s.RevokedAt })
                .SingleOrDefaultAsync(cancellationToken);
            state = row is null
                ? SessionState.Missing
                : new SessionState(row.UserId, row.ExpiresAt, Revoked: row.RevokedAt is not null);
            cache.Remember(sessionId, state);
        }
        // Asked again: a logout may have landed while the row was being read, and its mark wins.
        return !state.Revoked && !cache.IsRevoked(sessionId)
            && state.UserId == userId && time.GetUtcNow() < state.ExpiresAt + tokens.Value.ClockSkew;
    }

    /// <summary>Ends a session for good. Idempotent.</summary>
    public async Task RevokeAsync(Guid sessionId)
    {
        var now = time.GetUtcNow();
        // Mark the cache first: from this moment no request on this instance accepts the session,
        // even one that races with the database write below.
        cache.MarkRevoked(sessionId, tokens.Value.Lifetime + tokens.Value.ClockSkew);
        // Not cancellable: a client that hangs up right after asking to sign out is still signed out.
        await db.Sessions
            .Where(s => s.Id == sessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(setters => setters.SetProperty(s => s.RevokedAt, now), CancellationToken.None);
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset value) =>
        new(value.Ticks - value.Ticks % TimeSpan.TicksPerSecond, value.Offset);

    private static string? Truncate(string? value, int max) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..max];
}

public readonly record struct SessionState(Guid UserId, DateTimeOffset ExpiresAt, bool Revoked)
{
    public static readonly SessionState Missing = new(Guid.Empty, DateTimeOffset.MinValue, Revoked: true);
}

/// <summary>
/// A bounded in-memory cache of session states, so a signed-in request costs no database read.
/// Entries live at most <see cref="Ttl"/>, which bounds how long a revocation made elsewhere
/// (another instance, a direct database edit) can go unseen here. Revocations made here are kept
/// apart, for as long as a token of the session could live, and no later read can undo them.
/// </summary>
public sealed class SessionCache : IDisposable
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(60);
    private const int MaxEntries = 100_000;

    private readonly MemoryCache _states = new(new MemoryCacheOptions { SizeLimit = MaxEntries });
    private readonly MemoryCache _revoked = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public bool TryGet(Guid sessionId, out SessionState state) => _states.TryGetValue(sessionId, out state);

    public bool IsRevoked(Guid sessionId) => _revoked.TryGetValue(sessionId, out _);

    public void Remember(Guid sessionId, SessionState state) =>
        _states.Set(sessionId, state, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Ttl });

    public void MarkRevoked(Guid sessionId, TimeSpan tokenLifetime)
    {
        _revoked.Set(sessionId, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = tokenLifetime });
        _states.Remove(sessionId);
    }

    public void Dispose()
    {
        _states.Dispose();
        _revoked.Dispose();
    }
}
