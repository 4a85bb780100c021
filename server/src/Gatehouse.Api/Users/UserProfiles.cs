using Gatehouse.Api.Data;
using Gatehouse.Api.Sessions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Gatehouse.Api.Users;

/// <summary>What a signed-in user may see of their account (<c>/auth/me</c>): never the hash or lockout state.</summary>
public sealed record UserProfile(Guid UserId, string Username, string? Email, DateTimeOffset CreatedAt, bool EmailVerified);

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
public sealed class UserProfiles(IServiceScopeFactory scopes) : IDisposable
{
    public static readonly TimeSpan Ttl = SessionCache.Ttl;
    private const int MaxEntries = 100_000;

    private readonly MemoryCache _profiles = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    /// <summary>The user's profile, read from the database only when not remembered; null when there is no such user.</summary>
    public ValueTask<UserProfile?> FindAsync(Guid userId, CancellationToken cancellationToken) =>
        _profiles.TryGetValue(userId, out UserProfile? profile)
            ? ValueTask.FromResult(profile)
            : ReadAsync(userId, cancellationToken);

    /// <summary>Remembers a user just read for another reason (a sign-in), sparing the next <c>/auth/me</c> its read.</summary>
    public void Remember(User user) => Remember(new UserProfile(user.Id, user.UserName!, user.Email, user.CreatedAt, user.EmailConfirmed));

    public void Forget(Guid userId) => _profiles.Remove(userId);

    private async ValueTask<UserProfile?> ReadAsync(Guid userId, CancellationToken cancellationToken)
    {
        // A scope of its own, so that the usual answer (remembered) needs no scoped services at all.
        await using var scope = scopes.CreateAsyncScope();
        var profile = await scope.ServiceProvider.GetRequiredService<GatehouseDbContext>().Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new UserProfile(u.Id, u.UserName!, u.Email, u.CreatedAt, u.EmailConfirmed))
            .SingleOrDefaultAsync(cancellationToken);
        if (profile is not null)
        {
            Remember(profile);
        }
        return profile;
    }

    private void Remember(UserProfile profile) =>
        _profiles.Set(profile.UserId, profile, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Ttl });

    public void Dispose() => _profiles.Dispose();
}
