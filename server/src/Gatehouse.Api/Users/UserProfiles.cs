using Gatehouse.Api.Data;
using Gatehouse.Api.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Gatehouse.Api.Users;

/// <summary>What a signed-in user may see of their account (<c>/auth/me</c>): never the hash or lockout state.</summary>
/// <remarks><see cref="Roles"/> also go into the access token (a role change shows in the next token: see <see cref="UserProfiles.Ttl"/>).</remarks>
public sealed record UserProfile(Guid UserId, string Username, string? Email, DateTimeOffset CreatedAt, bool EmailVerified, IReadOnlyList<string> Roles);

/// <summary>
/// The profiles of users seen lately, so that <c>/auth/me</c> answers without a database read. Nothing
/// in Gatehouse changes a username or creation time after sign-up. Each entry lives <see cref="Ttl"/>,
/// so that an edit made elsewhere (or by hand in the database) shows within a minute, as a session's
/// does (<see cref="SessionCache"/>). A feature that changes a profile (verifying the address, a
/// confirmed email change, a reset that verifies the address) must <see cref="Forget"/> the user here;
/// the other instances, which nothing tells yet, show the change within <see cref="Ttl"/>.
/// </summary>
/// <remarks>
/// Not in the access token: its payload is readable by whoever holds it and by every service that
/// verifies with the JWKS, and names ids, not people (TokenTests pins this).
/// </remarks>
public sealed class UserProfiles(IServiceScopeFactory scopes, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan Ttl = SessionCache.Ttl;
    private const int MaxEntries = 100_000;

    // On the app's clock, so that a test that moves it past Ttl sees the profile (and its roles) read again.
    private readonly MemoryCache _profiles = new(new MemoryCacheOptions { SizeLimit = MaxEntries, Clock = new CacheClock(time) });

    private sealed class CacheClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }

    /// <summary>The user's profile, read from the database only when not remembered; null when there is no such user.</summary>
    public ValueTask<UserProfile?> FindAsync(Guid userId, CancellationToken cancellationToken) =>
        _profiles.TryGetValue(userId, out UserProfile? profile)
            ? ValueTask.FromResult(profile)
            : ReadAsync(userId, cancellationToken);

    /// <summary>Remembers a user just read for another reason (a sign-in), sparing the next <c>/auth/me</c> its read.</summary>
    public UserProfile Remember(User user, IReadOnlyList<string> roles)
    {
        var profile = new UserProfile(user.Id, user.UserName!, user.Email, user.CreatedAt, user.EmailConfirmed, roles);
        Remember(profile);
        return profile;
    }

    /// <summary>The names of the user's roles, sorted, read now (not remembered).</summary>
    public static Task<List<string>> ReadRolesAsync(GatehouseDbContext db, Guid userId, CancellationToken cancellationToken) =>
        db.UserRoles.Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!)
            .OrderBy(name => name)
            .ToListAsync(cancellationToken);

    public void Forget(Guid userId) => _profiles.Remove(userId);

    private async ValueTask<UserProfile?> ReadAsync(Guid userId, CancellationToken cancellationToken)
    {
        // A scope of its own, so that the usual answer (remembered) needs no scoped services at all.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        var row = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new { u.Id, u.UserName, u.Email, u.CreatedAt, u.EmailConfirmed })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }
        var roles = await ReadRolesAsync(db, userId, cancellationToken);
        var profile = new UserProfile(row.Id, row.UserName!, row.Email, row.CreatedAt, row.EmailConfirmed, roles);
        Remember(profile);
        return profile;
    }

    private void Remember(UserProfile profile) =>
        _profiles.Set(profile.UserId, profile, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Ttl });

    public void Dispose() => _profiles.Dispose();
}
