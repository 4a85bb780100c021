using Gatehouse.Api.Data;
using Gatehouse.Api.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Sessions;

/// <summary>
/// The session check every authenticated request makes (OnTokenValidated). A singleton, so that the
/// usual answer, from the <see cref="SessionCache"/>, costs no scoped services and no DbContext; only
/// a miss opens a scope of its own to read the session row.
/// </summary>
public sealed class SessionGuard(
    SessionCache cache,
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<TokenOptions> tokens,
    Metrics.GatehouseMetrics metrics)
{
    /// <summary>
    /// True when the session exists, belongs to the user, is not revoked and has not expired, allowing
    /// the same clock skew as the token's <c>exp</c> check so that the two deadlines agree.
    /// </summary>
    public ValueTask<bool> IsActiveAsync(Guid sessionId, Guid userId, CancellationToken cancellationToken)
    {
        // The state first, then the revocation marks (in Judge): a logout marks the session before it
        // drops the state, so a mark made before this check is seen either way, with one lookup less.
        if (cache.TryGet(sessionId, out var state))
        {
            metrics.SessionCheck(cached: true);
            return ValueTask.FromResult(Judge(sessionId, userId, state));
        }
        metrics.SessionCheck(cached: false);
        return cache.IsRevoked(sessionId) ? ValueTask.FromResult(false) : ReadAsync(sessionId, userId, cancellationToken);
    }

    private async ValueTask<bool> ReadAsync(Guid sessionId, Guid userId, CancellationToken cancellationToken)
    {
        var generation = cache.Generation;
        await using var scope = scopes.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<GatehouseDbContext>().Sessions.AsNoTracking()
            .Where(s => s.Id == sessionId)
            .Select(s => new { s.UserId, s.ExpiresAt, s.RevokedAt })
            .SingleOrDefaultAsync(cancellationToken);
        var state = row is null
            ? SessionState.Missing
            : new SessionState(row.UserId, row.ExpiresAt, Revoked: row.RevokedAt is not null);
        cache.Remember(sessionId, state, generation);
        return Judge(sessionId, userId, state);
    }

    // Revocation asked again: a logout may have landed while the row was being read, and its mark wins.
    private bool Judge(Guid sessionId, Guid userId, SessionState state) =>
        !state.Revoked && !cache.IsRevoked(sessionId)
        && state.UserId == userId && time.GetUtcNow() < state.ExpiresAt + tokens.Value.ClockSkew;
}
