using System.Security.Cryptography;
using Gatehouse.Api.Data;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Accounts;

/// <summary>How a presented token fared: only <see cref="Valid"/> carries the token's row.</summary>
public enum AccountTokenOutcome
{
    Valid,
    /// <summary>Not a token Gatehouse issued for this purpose (or not well formed).</summary>
    Invalid,
    Expired,
    /// <summary>Used already, voided by a newer one, or void because the password changed since.</summary>
    Used,
}

public readonly record struct AccountTokenCheck(AccountTokenOutcome Outcome, AccountToken? Token);

/// <summary>
/// Issues and consumes the one-time tokens of mailed links (<see cref="AccountToken"/>): 256 random
/// bits, base64url, stored as a SHA-256 hash. Scoped: it stages rows in the request's unit of work, so
/// a token is saved with the change and the outbox mail that carries it.
/// </summary>
public sealed class AccountTokens(GatehouseDbContext db, TimeProvider time)
{
    private const int TokenBytes = 32;
    private const int TokenLength = 43; // base64url of 32 bytes, unpadded

    /// <summary>
    /// Stages a new token for <paramref name="user"/> and returns its value, for the mail only. The
    /// caller saves it, with the mail, in one transaction.
    /// </summary>
    public string Issue(User user, string purpose, string? email, TimeSpan lifetime)
    {
        var value = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(TokenBytes));
        var now = time.GetUtcNow().UtcDateTime;
        db.Set<AccountToken>().Add(new AccountToken
        {
            Id = Guid.CreateVersion7(),
            UserId = user.Id,
            Purpose = purpose,
            TokenHash = Hash(value),
            Email = email,
            SecurityStamp = user.SecurityStamp,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        });
        return value;
    }

    /// <summary>Voids the user's unused tokens of <paramref name="purpose"/> now (a newer one supersedes them).</summary>
    public Task<int> VoidAsync(Guid userId, string purpose, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return db.Set<AccountToken>()
            .Where(t => t.UserId == userId && t.Purpose == purpose && t.UsedAt == null)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.UsedAt, now), cancellationToken);
    }

    /// <summary>What the token is, without using it (a page that asks before it acts).</summary>
    public async Task<AccountTokenCheck> PeekAsync(string purpose, string? value, CancellationToken cancellationToken)
    {
        if (!IsWellFormed(value))
        {
            return new(AccountTokenOutcome.Invalid, null);
        }
        var hash = Hash(value!);
        var token = await db.Set<AccountToken>().AsNoTracking()
            .SingleOrDefaultAsync(t => t.TokenHash == hash && t.Purpose == purpose, cancellationToken);
        if (token is null)
        {
            return new(AccountTokenOutcome.Invalid, null);
        }
        if (token.UsedAt is not null)
        {
            return new(AccountTokenOutcome.Used, null);
        }
        if (token.ExpiresAt <= time.GetUtcNow().UtcDateTime)
        {
            return new(AccountTokenOutcome.Expired, null);
        }
        var stamp = await db.Users.Where(u => u.Id == token.UserId).Select(u => u.SecurityStamp).SingleOrDefaultAsync(cancellationToken);
        return stamp is not null && stamp == token.SecurityStamp
            ? new(AccountTokenOutcome.Valid, token)
            : new(AccountTokenOutcome.Used, null);
    }

    /// <summary>
    /// Uses the token: valid only once, however many requests present it at the same moment (a
    /// conditional update decides). Call it inside the transaction that makes the change it allows.
    /// </summary>
    public async Task<AccountTokenCheck> ConsumeAsync(string purpose, string? value, CancellationToken cancellationToken)
    {
        var check = await PeekAsync(purpose, value, cancellationToken);
        if (check.Outcome != AccountTokenOutcome.Valid)
        {
            return check;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var id = check.Token!.Id;
        var taken = await db.Set<AccountToken>()
            .Where(t => t.Id == id && t.UsedAt == null)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.UsedAt, now), cancellationToken);
        return taken == 1 ? check : new(AccountTokenOutcome.Used, null);
    }

    private static bool IsWellFormed(string? value) =>
        value is { Length: TokenLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static byte[] Hash(string value) => SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(value));
}
