using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Gatehouse.Api.Data;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Mfa;

/// <summary>
/// Issues, finds and spends <see cref="AuthChallenge"/>s: 256 random bits, base64url, stored as a
/// SHA-256 hash. Scoped: <see cref="Issue"/> stages a row in the request's unit of work, so a challenge
/// is saved with whatever else the step writes (its audit row).
/// </summary>
public sealed class AuthChallenges(GatehouseDbContext db, TimeProvider time)
{
    private const int ValueBytes = 32;
    private const int ValueLength = 43; // base64url of 32 bytes, unpadded

    /// <summary>What a new challenge holds besides its kind and lifetime.</summary>
    public sealed record Details(Guid? UserId = null, Guid? SessionId = null, string? SecurityStamp = null, string? Methods = null, string? State = null);

    /// <summary>Stages a new challenge and returns the value for the client (the caller saves it).</summary>
    public string Issue(string kind, Details details, TimeSpan lifetime)
    {
        var value = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(ValueBytes));
        var now = time.GetUtcNow().UtcDateTime;
        db.AuthChallenges.Add(new AuthChallenge
        {
            Id = Guid.CreateVersion7(),
            Kind = kind,
            TokenHash = Hash(value),
            UserId = details.UserId,
            SessionId = details.SessionId,
            SecurityStamp = details.SecurityStamp,
            Methods = details.Methods,
            State = details.State,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        });
        return value;
    }

    /// <summary>
    /// The live challenge of <paramref name="kind"/> the value names: not expired, not used up, and (when
    /// it was bound to one) of a user whose security stamp has not changed since. Null otherwise; the
    /// caller answers one error for every reason, so none is revealed.
    /// </summary>
    public async Task<AuthChallenge?> FindAsync(string kind, string? value, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(value))
        {
            return null;
        }
        var challenge = await Live(kind, value).AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (challenge is { SecurityStamp: { } stamp, UserId: { } userId })
        {
            var current = await db.Users.Where(u => u.Id == userId).Select(u => u.SecurityStamp).SingleOrDefaultAsync(cancellationToken);
            if (current != stamp)
            {
                return null;
            }
        }
        return challenge;
    }

    /// <summary>
    /// <see cref="FindAsync"/> for a challenge bound to a user, with that user read in the same statement:
    /// the live challenge, its user tracked as <c>UserManager.FindByIdAsync</c> gives it (so the step's
    /// writes to the account save as before), and the same refusal when the user is gone or their
    /// security stamp has changed since the challenge was issued. One query instead of three.
    /// </summary>
    public async Task<(AuthChallenge Challenge, User User)?> FindWithUserAsync(string kind, string? value, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(value))
        {
            return null;
        }
        var row = await (
                from challenge in Live(kind, value)
                join user in db.Users on challenge.UserId equals user.Id
                select new { Challenge = challenge, User = user })
            .SingleOrDefaultAsync(cancellationToken);
        if (row is null)
        {
            return null;
        }
        // The challenge is only read (it is spent and counted by conditional updates), as FindAsync's is.
        db.Entry(row.Challenge).State = EntityState.Detached;
        return row.Challenge.SecurityStamp is { } stamp && stamp != row.User.SecurityStamp ? null : (row.Challenge, row.User);
    }

    /// <summary>
    /// Spends the challenge: true for exactly one caller however many race (a conditional update).
    /// Call it in the transaction of the step it allows.
    /// </summary>
    public async Task<bool> ConsumeAsync(AuthChallenge challenge, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await db.AuthChallenges
            .Where(c => c.Id == challenge.Id && c.ConsumedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.ConsumedAt, now), cancellationToken) == 1;
    }

    /// <summary>
    /// Counts a wrong answer, in one statement that adds one in SQL (so concurrent wrong answers each
    /// count) and uses the challenge up when that reaches <paramref name="maxAttempts"/>. Returns whether
    /// another attempt is allowed, as far as this request's read of the count tells.
    /// </summary>
    public async Task<bool> CountFailureAsync(AuthChallenge challenge, int maxAttempts, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await db.AuthChallenges
            .Where(c => c.Id == challenge.Id && c.ConsumedAt == null)
            .ExecuteUpdateAsync(set => set
                .SetProperty(c => c.Attempts, c => c.Attempts + 1)
                .SetProperty(c => c.ConsumedAt, c => c.Attempts + 1 >= maxAttempts ? now : (DateTime?)null), cancellationToken);
        return challenge.Attempts + 1 < maxAttempts;
    }

    /// <summary>The challenge of <paramref name="kind"/> the value names, if not expired and not used up: both finds' one rule.</summary>
    private IQueryable<AuthChallenge> Live(string kind, string value)
    {
        var hash = Hash(value);
        var now = time.GetUtcNow().UtcDateTime;
        return db.AuthChallenges.Where(c => c.TokenHash == hash && c.Kind == kind && c.ConsumedAt == null && c.ExpiresAt > now);
    }

    private static bool IsWellFormed([NotNullWhen(true)] string? value) =>
        value is { Length: ValueLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>Deletes challenges that ended more than a day ago (the janitor's; they are useless once expired).</summary>
    public Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - TimeSpan.FromDays(1);
        return db.AuthChallenges.Where(c => c.ExpiresAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.ASCII.GetBytes(value));
}
