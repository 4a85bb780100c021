using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Sessions;

/// <summary>A session and the refresh token value to hand its client (never stored).</summary>
public sealed record IssuedSession(Session Session, string RefreshToken, DateTimeOffset RefreshExpiresAt);

public enum RefreshFailure
{
    /// <summary>Not a token we issued, expired, or its session is over.</summary>
    Invalid,

    /// <summary>A retired token presented after the grace window: the session has been revoked.</summary>
    Reused,
}

/// <summary>The result of presenting a refresh token: a new pair, or why not.</summary>
public sealed record RefreshResult(IssuedSession? Issued, RefreshFailure? Failure, bool WithinGrace = false);

/// <summary>A refresh token value a client presented, with the row and session it names (as read once).</summary>
public sealed record PresentedRefreshToken(byte[] Value, RefreshToken Row, Session Session);

/// <summary>
/// Tells the other instances of the API that sessions were revoked, so that their caches refuse them
/// too (Redis pub/sub, see Scaling/). Called after the revocation has committed: the database stays
/// the source of truth, and a message that does not arrive costs at most a cache lifetime.
/// </summary>
public interface ISessionRevocationFanOut
{
    /// <summary>Never throws: the revocation has happened whether or not the others hear of it.</summary>
    Task PublishAsync(IReadOnlyCollection<Guid> sessionIds);
}

/// <summary>One instance: nobody else to tell.</summary>
internal sealed class NoRevocationFanOut : ISessionRevocationFanOut
{
    public Task PublishAsync(IReadOnlyCollection<Guid> sessionIds) => Task.CompletedTask;
}

/// <summary>
/// Creates, refreshes, lists and revokes sessions (the per-request check is <see cref="SessionGuard"/>'s).
/// A revocation updates this instance's cache at once and the others' through the fan-out. Dates are
/// compared here rather than in SQL, which SQLite cannot do for DateTimeOffset; every query is
/// bounded by a key (token hash, session id, user id).
/// </summary>
public sealed class SessionStore(
    GatehouseDbContext db,
    AuditLog audit,
    SessionCache cache,
    ISessionRevocationFanOut fanOut,
    TimeProvider time,
    IOptions<TokenOptions> tokens,
    IOptions<SessionOptions> options,
    RotationBatches rotations)
{
    private SessionOptions Settings => options.Value;

    public async Task<IssuedSession> CreateAsync(Guid userId, string methods, HttpContext http, CancellationToken cancellationToken)
    {
        var issued = Stage(userId, methods, http);
        await db.SaveChangesAsync(cancellationToken);
        Started(issued);
        return issued;
    }

    /// <summary>
    /// Adds a new session and its first refresh token to the caller's unit of work, to be saved with the
    /// caller's other changes (a sign-in's are one commit); call <see cref="Started"/> once they are.
    /// <paramref name="methods"/> says how the user proved who they are (<see cref="AuthMethods"/>), now.
    /// </summary>
    public IssuedSession Stage(Guid userId, string methods, HttpContext http)
    {
        // JWT times are whole seconds; keeping the session's to the second makes them agree exactly.
        var now = time.GetUtcNowInSeconds();
        var session = new Session
        {
            // Millisecond time in the id orders sessions begun within the same second.
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            UserId = userId,
            CreatedAt = now,
            LastUsedAt = now,
            ExpiresAt = now + Settings.AbsoluteLifetime,
            UserAgent = ClientInfo.UserAgent(http),
            IpAddress = ClientInfo.IpAddress(http),
            AuthenticatedAt = now,
            AuthMethods = methods,
        };
        var value = RefreshTokenValue.New();
        var token = NewToken(session, value, now);
        session.IdleExpiresAt = token.ExpiresAt;
        db.Sessions.Add(session);
        db.RefreshTokens.Add(token);
        return new IssuedSession(session, RefreshTokenValue.Encode(value), token.ExpiresAt);
    }

    /// <summary>
    /// The user proved again who they are in this session (step-up): records when and how, so the
    /// access tokens minted from now on carry it. False when the session is not live.
    /// </summary>
    public async Task<bool> MarkAuthenticatedAsync(Session session, string methods, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNowInSeconds();
        var updated = await db.Sessions
            .Where(s => s.Id == session.Id && s.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.AuthenticatedAt, now).SetProperty(s => s.AuthMethods, methods), cancellationToken);
        session.AuthenticatedAt = now;
        session.AuthMethods = methods;
        return updated == 1;
    }

    /// <summary>A staged session has committed: this instance's checks may answer for it from memory.</summary>
    public void Started(IssuedSession issued) =>
        cache.Remember(issued.Session.Id, new SessionState(issued.Session.UserId, issued.Session.ExpiresAt, Revoked: false));

    /// <summary>
    /// Rotates a refresh token: retires it and issues its successor, in one conditional update so
    /// that of any number of concurrent refreshes exactly one creates the successor. The others, and
    /// any retry within the grace window, get that same successor. A retired token presented later
    /// means two parties hold the session's tokens, one of them a thief: the session is revoked.
    /// </summary>
    public async Task<RefreshResult> RefreshAsync(PresentedRefreshToken found, HttpContext http)
    {
        var (presented, row, session) = found;
        var now = time.GetUtcNowInSeconds();
        if (session.RevokedAt is not null || now >= session.ExpiresAt)
        {
            return new RefreshResult(null, RefreshFailure.Invalid);
        }

        if (row.RetiredAt is null)
        {
            if (now >= row.ExpiresAt)
            {
                return new RefreshResult(null, RefreshFailure.Invalid);
            }
            var rotated = await TryRotateAsync(row, presented, session, now, http);
            if (rotated is not null)
            {
                return new RefreshResult(rotated, null);
            }
            // Another request rotated it between our read and our update: read what it left.
            row = await db.RefreshTokens.AsNoTracking().SingleAsync(t => t.Id == row.Id, CancellationToken.None);
        }

        // Retired. Within the grace window, the immediate predecessor of the live token gets that token.
        if (now < row.RetiredAt!.Value + Settings.ReuseGraceWindow && row is { SuccessorId: { } successorId, SuccessorSealed: { } sealedValue })
        {
            var successor = await db.RefreshTokens.AsNoTracking().SingleOrDefaultAsync(t => t.Id == successorId, CancellationToken.None);
            if (successor is { RetiredAt: null } && now < successor.ExpiresAt
                && RefreshTokenValue.TryUnsealSuccessor(presented, sealedValue, successorId, out var value))
            {
                return new RefreshResult(new IssuedSession(session, RefreshTokenValue.Encode(value), successor.ExpiresAt), null, WithinGrace: true);
            }
        }

        await RevokeAsync(session.Id, RevocationReasons.RefreshTokenReuse);
        return new RefreshResult(null, RefreshFailure.Reused);
    }

    private async Task<IssuedSession?> TryRotateAsync(RefreshToken row, byte[] presented, Session session, DateTimeOffset now, HttpContext http)
    {
        var value = RefreshTokenValue.New();
        var successor = NewToken(session, value, now);
        var sealedValue = RefreshTokenValue.SealSuccessor(presented, value, successor.Id);
        // Who asked is read now: on SQLite the rotation is written with others, outside this request.
        var rotation = new Rotation(row.Id, successor, sealedValue, session, now, AuditClient.From(http));
        // Not cancellable: a client that hangs up mid-rotation must not leave a retired token without
        // its successor. Answered once the rotation has committed (on SQLite, in a group: RotationBatches).
        return await rotations.RotateAsync(rotation, db, audit)
            ? new IssuedSession(session, RefreshTokenValue.Encode(value), successor.ExpiresAt)
            : null;
    }

    /// <summary>The row and session of a refresh token, if it is one we issued (retired or not).</summary>
    public async Task<PresentedRefreshToken?> FindRefreshTokenAsync(byte[] presented)
    {
        var hash = RefreshTokenValue.Hash(presented);
        // One statement for both rows: every refresh reads them, and on SQLite each statement is a
        // round of EF's query pipeline (the session always exists: the token's foreign key cascades).
        var found = await db.RefreshTokens.AsNoTracking()
            .Where(t => t.TokenHash == hash)
            .Join(db.Sessions.AsNoTracking(), t => t.SessionId, s => s.Id, (t, s) => new { Token = t, Session = s })
            .SingleOrDefaultAsync(CancellationToken.None);
        return found is null ? null : new PresentedRefreshToken(presented, found.Token, found.Session);
    }

    /// <summary>The user's sessions that can still be used, newest first.</summary>
    public async Task<IReadOnlyList<Session>> ListLiveAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var sessions = await db.Sessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.RevokedAt == null)
            .ToListAsync(cancellationToken);
        return sessions.Where(s => IsLive(s, now)).OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).ToList();
    }

    /// <summary>
    /// Sessions revoked at or after <paramref name="since"/> (in that second, only ids after
    /// <paramref name="after"/> when given), ordered by time then id, at most <paramref name="take"/>
    /// (the revocation feed). In SQL, so the range is read from the RevokedAt index: EF refuses to
    /// compare DateTimeOffset on SQLite, which stores it as text, but every stored time is UTC in one
    /// format and the parameter is bound in that same format, so the text order is the time order there.
    /// Ids compare in one order on either database (SQLite's upper-case text, PostgreSQL's uuid bytes).
    /// </summary>
    public async Task<IReadOnlyList<RevokedSession>> ListRevokedSinceAsync(DateTimeOffset since, Guid? after, int take, CancellationToken cancellationToken) =>
        after is { } id
            ? await db.Database.SqlQuery<RevokedSession>($"""
                SELECT "Id", "RevokedAt" FROM "Sessions"
                WHERE "RevokedAt" >= {since} AND ("RevokedAt" > {since} OR "Id" > {id})
                ORDER BY "RevokedAt", "Id"
                LIMIT {take}
                """).ToListAsync(cancellationToken)
            : await db.Database.SqlQuery<RevokedSession>($"""
                SELECT "Id", "RevokedAt" FROM "Sessions"
                WHERE "RevokedAt" >= {since}
                ORDER BY "RevokedAt", "Id"
                LIMIT {take}
                """).ToListAsync(cancellationToken);

    /// <summary>Ends a session for good: its access tokens fail at once, its refresh tokens at next use. Idempotent.</summary>
    public async Task RevokeAsync(Guid sessionId, string reason)
    {
        var now = time.GetUtcNowInSeconds();
        // Mark the cache first: from this moment no request on this instance accepts the session,
        // even one that races with the database write below.
        cache.MarkRevoked(sessionId, RevokedMarkLifetime);
        // Not cancellable: a client that hangs up right after asking to sign out is still signed out.
        await db.Sessions
            .Where(s => s.Id == sessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.RevokedAt, now).SetProperty(s => s.RevokedReason, reason), CancellationToken.None);
        await fanOut.PublishAsync([sessionId]);
    }

    /// <summary>Revokes one of the user's live sessions; false when it is not one of them.</summary>
    public async Task<bool> RevokeOwnAsync(Guid userId, Guid sessionId, string reason)
    {
        var session = await db.Sessions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId && s.RevokedAt == null);
        if (session is null || !IsLive(session, time.GetUtcNow()))
        {
            return false;
        }
        await RevokeAsync(sessionId, reason);
        return true;
    }

    /// <summary>Revokes every session of the user, but <paramref name="except"/>; returns how many.</summary>
    public async Task<int> RevokeAllAsync(Guid userId, string reason, Guid? except = null)
    {
        var live = await db.Sessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.RevokedAt == null && s.Id != except)
            .Select(s => s.Id)
            .ToListAsync(CancellationToken.None);
        foreach (var id in live)
        {
            cache.MarkRevoked(id, RevokedMarkLifetime);
        }
        // Whole seconds, as every stored session time: PostgreSQL keeps microseconds, so a finer
        // value would not compare equal to itself when read back below.
        var now = time.GetUtcNowInSeconds();
        await db.Sessions
            .Where(s => s.UserId == userId && s.RevokedAt == null && s.Id != except)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.RevokedAt, now).SetProperty(s => s.RevokedReason, reason), CancellationToken.None);
        // A session begun between the read and the update was revoked by the update but is cached
        // as live; read what the update changed and mark those too.
        var changed = (await db.Sessions.AsNoTracking()
                .Where(s => s.UserId == userId && s.RevokedReason == reason && s.Id != except)
                .Select(s => new { s.Id, s.RevokedAt })
                .ToListAsync(CancellationToken.None))
            .Where(s => s.RevokedAt == now)
            .Select(s => s.Id)
            .ToList();
        foreach (var id in changed.Except(live))
        {
            cache.MarkRevoked(id, RevokedMarkLifetime);
        }
        await fanOut.PublishAsync(live.Union(changed).ToList());
        return changed.Count;
    }

    private TimeSpan RevokedMarkLifetime => RevokedMarkLifetimeFor(tokens.Value);

    /// <summary>A revoked mark must outlast every access token the session could still hold.</summary>
    internal static TimeSpan RevokedMarkLifetimeFor(TokenOptions tokens) => tokens.Lifetime + tokens.ClockSkew;

    private static bool IsLive(Session session, DateTimeOffset now) =>
        session.RevokedAt is null && now < session.ExpiresAt && now < session.IdleExpiresAt;

    private RefreshToken NewToken(Session session, byte[] value, DateTimeOffset now)
    {
        var sliding = now + Settings.RefreshLifetime;
        return new RefreshToken
        {
            Id = Guid.CreateVersion7(now),
            SessionId = session.Id,
            TokenHash = RefreshTokenValue.Hash(value),
            CreatedAt = now,
            ExpiresAt = sliding < session.ExpiresAt ? sliding : session.ExpiresAt,
        };
    }

}

public readonly record struct SessionState(Guid UserId, DateTimeOffset ExpiresAt, bool Revoked)
{
    public static readonly SessionState Missing = new(Guid.Empty, DateTimeOffset.MinValue, Revoked: true);
}

/// <summary>
/// A bounded in-memory cache of session states, so a signed-in request costs no database read.
/// Entries live at most <see cref="Ttl"/>, which bounds how long a revocation made elsewhere
/// (a direct database edit, or another instance when there is no fan-out) can go unseen here.
/// Revocations made here or announced by the fan-out are kept apart, for as long as a token of the
/// session could live, and no later read can undo them.
/// While the fan-out is not listening (<see cref="Distrust"/>), another instance's revocation could
/// go unheard, so the positive entries are not used: every check asks the database.
/// </summary>
public sealed class SessionCache : IDisposable
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(60);
    private const int MaxEntries = 100_000;

    private readonly MemoryCache _states = new(new MemoryCacheOptions { SizeLimit = MaxEntries });
    private readonly MemoryCache _revoked = new(new MemoryCacheOptions { SizeLimit = MaxEntries });
    private readonly Lock _gate = new();
    private long _generation;
    private bool _distrusted;

    /// <summary>Changes whenever trust is lost or regained; a read begun before a change is not remembered.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>False while revocations made elsewhere may be going unheard.</summary>
    public bool Trusted => !Volatile.Read(ref _distrusted);

    public bool TryGet(Guid sessionId, out SessionState state)
    {
        if (!Trusted)
        {
            state = default;
            return false;
        }
        return _states.TryGetValue(sessionId, out state);
    }

    public bool IsRevoked(Guid sessionId) => _revoked.TryGetValue(sessionId, out _);

    /// <summary>Keeps a state read from the database, unless trust changed since <paramref name="generation"/>.</summary>
    public void Remember(Guid sessionId, SessionState state, long generation)
    {
        lock (_gate)
        {
            if (!_distrusted && generation == _generation)
            {
                _states.Set(sessionId, state, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Ttl });
            }
        }
    }

    /// <summary>Keeps the state of a session this instance has just created.</summary>
    public void Remember(Guid sessionId, SessionState state) => Remember(sessionId, state, Generation);

    public void MarkRevoked(Guid sessionId, TimeSpan tokenLifetime)
    {
        _revoked.Set(sessionId, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = tokenLifetime });
        _states.Remove(sessionId);
    }

    /// <summary>Revocations made elsewhere may go unheard from now on: stop answering from the positive entries.</summary>
    public void Distrust()
    {
        lock (_gate)
        {
            _distrusted = true;
            _generation++;
        }
    }

    /// <summary>
    /// Revocations made elsewhere are heard again. Any that were missed meanwhile may sit behind a
    /// positive entry, so every positive entry goes.
    /// </summary>
    public void Trust()
    {
        lock (_gate)
        {
            _states.Clear();
            _distrusted = false;
            _generation++;
        }
    }

    public void Dispose()
    {
        _states.Dispose();
        _revoked.Dispose();
    }
}
