using System.Text;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Admin;

/// <summary>
/// A search of <c>GET /admin/users</c>, parsed and validated: a prefix of the normalized username
/// or address, filters, and where the page starts. Ordered by the normalized username, which is
/// unique (Identity's UserNameIndex), so the order is stable and a page's last name is its cursor.
/// </summary>
internal sealed class UserQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
    public const int MaxQueryLength = 256;

    /// <summary>Rows read per round while the lock filter, judged in memory, thins them out.</summary>
    private const int LockedBatch = 200;

    private UserQuery()
    {
    }

    /// <summary>The prefix as Identity normalizes names and addresses (upper-case), or null for every account.</summary>
    public string? Prefix { get; private init; }
    public bool? Locked { get; private init; }
    public bool? Disabled { get; private init; }
    public bool? Unverified { get; private init; }
    public bool? Mfa { get; private init; }

    /// <summary>The normalized username the page starts after (decoded from the cursor).</summary>
    public string? After { get; private init; }
    public int Limit { get; private init; } = DefaultLimit;

    public static bool TryParse(
        string? q, string? locked, string? disabled, string? unverified, string? mfa, string? cursor, string? limit,
        UserManager<User> users, out UserQuery query, out AuthError error)
    {
        query = new UserQuery();
        error = AuthErrors.FilterInvalid;
        if (!TryFlag(locked, out var isLocked) || !TryFlag(disabled, out var isDisabled)
            || !TryFlag(unverified, out var isUnverified) || !TryFlag(mfa, out var hasMfa))
        {
            return false;
        }
        var size = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxLimit))
        {
            error = AuthErrors.LimitInvalid;
            return false;
        }
        string? after = null;
        if (cursor is not null && !TryDecodeCursor(cursor, out after))
        {
            error = AuthErrors.UsersCursorInvalid;
            return false;
        }
        q = q?.Trim();
        if (q is { Length: > MaxQueryLength })
        {
            error = AuthErrors.QueryInvalid;
            return false;
        }
        // Names and addresses are normalized alike (upper-case invariant), so one prefix serves both columns.
        query = new UserQuery
        {
            Prefix = string.IsNullOrEmpty(q) ? null : users.NormalizeName(q),
            Locked = isLocked,
            Disabled = isDisabled,
            Unverified = isUnverified,
            Mfa = hasMfa,
            After = after,
            Limit = size,
        };
        return true;
    }

    /// <summary>The cursor after <paramref name="normalizedUserName"/>: its UTF-8 bytes, base64url. Opaque to clients.</summary>
    public static string EncodeCursor(string normalizedUserName) =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(normalizedUserName));

    private static bool TryDecodeCursor(string cursor, out string? after)
    {
        after = null;
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(WebEncoders.Base64UrlDecode(cursor));
            // A cursor is a name this API wrote; anything else (empty, or longer than any name) is not one.
            if (text.Length is 0 or > 256)
            {
                return false;
            }
            after = text;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool TryFlag(string? value, out bool? flag)
    {
        flag = null;
        if (value is null or "")
        {
            return true;
        }
        if (bool.TryParse(value, out var parsed))
        {
            flag = parsed;
            return true;
        }
        return false;
    }

    /// <summary>
    /// One page and the cursor of the next. Every filter but the lock runs in SQL. Whether an account
    /// is locked compares <c>LockoutEnd</c> (a DateTimeOffset) with now, which SQLite cannot do in SQL,
    /// so SQL narrows to accounts with a lockout end at all and <paramref name="isLocked"/> (the sign-in's
    /// own rule) judges each in memory, reading further rounds in the same order until the page is
    /// full: the paging stays exact on either database.
    /// </summary>
    public async Task<(IReadOnlyList<User> Users, string? NextCursor)> RunAsync(
        GatehouseDbContext db, Func<User, bool> isLocked, CancellationToken cancellationToken)
    {
        var matches = new List<User>(Limit + 1);
        var after = After;
        var batch = Locked is null ? Limit + 1 : LockedBatch;
        while (true)
        {
            var rows = await Filtered(db.Users.AsNoTracking(), after)
                .OrderBy(u => u.NormalizedUserName)
                .Take(batch)
                .ToListAsync(cancellationToken);
            foreach (var user in rows)
            {
                if (Locked is { } locked && isLocked(user) != locked)
                {
                    continue;
                }
                matches.Add(user);
                if (matches.Count > Limit)
                {
                    break;
                }
            }
            if (matches.Count > Limit || rows.Count < batch)
            {
                break;
            }
            after = rows[^1].NormalizedUserName;
        }
        if (matches.Count <= Limit)
        {
            return (matches, null);
        }
        matches.RemoveAt(Limit);
        return (matches, EncodeCursor(matches[^1].NormalizedUserName!));
    }

    private IQueryable<User> Filtered(IQueryable<User> users, string? after)
    {
        if (after is not null)
        {
            users = users.Where(u => string.Compare(u.NormalizedUserName, after) > 0);
        }
        if (Prefix is { } prefix)
        {
            // A range of the normalized column (from the prefix up to the next string of its length) is
            // what lets the unique indexes on NormalizedUserName and NormalizedEmail seek instead of scan:
            // neither SQLite's LIKE (case-insensitive, so it ignores a BINARY index) nor PostgreSQL's (outside
            // the C collation) can use them. In SQLite's BINARY and PostgreSQL's C/C.UTF-8 collations (as
            // scripts/services.sh creates its clusters) the range is exactly the prefix; the StartsWith keeps
            // the answer exact under a linguistic collation too (docs/admin.md says what that costs).
            var end = Successor(prefix);
            users = end is null
                ? users.Where(u =>
                    (string.Compare(u.NormalizedUserName, prefix) >= 0 && u.NormalizedUserName!.StartsWith(prefix))
                    || (string.Compare(u.NormalizedEmail, prefix) >= 0 && u.NormalizedEmail!.StartsWith(prefix)))
                : users.Where(u =>
                    (string.Compare(u.NormalizedUserName, prefix) >= 0 && string.Compare(u.NormalizedUserName, end) < 0 && u.NormalizedUserName!.StartsWith(prefix))
                    || (string.Compare(u.NormalizedEmail, prefix) >= 0 && string.Compare(u.NormalizedEmail, end) < 0 && u.NormalizedEmail!.StartsWith(prefix)));
        }
        if (Disabled is { } disabled)
        {
            users = disabled ? users.Where(u => u.DisabledAt != null) : users.Where(u => u.DisabledAt == null);
        }
        if (Unverified is { } unverified)
        {
            users = unverified
                ? users.Where(u => u.Email != null && !u.EmailConfirmed)
                : users.Where(u => u.Email == null || u.EmailConfirmed);
        }
        if (Mfa is { } mfa)
        {
            users = users.Where(u => u.TwoFactorEnabled == mfa);
        }
        if (Locked == true)
        {
            // Never locked, or lockout off: not locked. The rest is judged in memory (see RunAsync).
            users = users.Where(u => u.LockoutEnabled && u.LockoutEnd != null);
        }
        return users;
    }

    /// <summary>
    /// The first string after every string that starts with <paramref name="prefix"/>, in code-point
    /// order: its last character plus one. Null (no upper bound) when that character is a surrogate
    /// or the highest one.
    /// </summary>
    internal static string? Successor(string prefix)
    {
        var last = prefix[^1];
        return char.IsSurrogate(last) || last == char.MaxValue ? null : prefix[..^1] + (char)(last + 1);
    }
}
