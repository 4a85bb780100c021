using Gatehouse.Api.Data;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Devices;

/// <summary>A device cookie that names, unexpired, the very account being signed in to.</summary>
public sealed record TrustedDevice(Guid Id, Guid UserId, DateTimeOffset? LockedUntil);

/// <summary>
/// Device cookies, as OWASP's "Slow Down Online Guessing Attacks with Device Cookies" describes: a
/// browser that signed in to an account gets a cookie naming a device row of that account. A sign-in
/// that carries it is judged by that device's own failures, so a stranger's guesses (which lock the
/// account for every unknown client) cannot keep the owner's browser out. The value is 256 random bits
/// (the refresh token's primitives) of which the database keeps only the SHA-256: unforgeable without
/// a key to share between instances, and a row to count the device's failures in, which every
/// instance must see anyway.
/// </summary>
public sealed class KnownDevices(GatehouseDbContext db, AuthCookies cookies, IOptions<DeviceCookieSettings> options, TimeProvider time)
{
    public const string CookieBaseName = "device_token";

    /// <summary>
    /// The device the request's cookie names, if that device is known to the account
    /// <paramref name="normalizedUserName"/> (or, <paramref name="byEmail"/>, of that normalized email
    /// address) and unexpired; null for no cookie, a malformed, forged, expired or forgotten one, or one
    /// of another account (which is ignored, never counted).
    /// </summary>
    public async Task<TrustedDevice?> FindAsync(HttpRequest request, string normalizedUserName, bool byEmail = false)
    {
        if (!RefreshTokenValue.TryDecode(Read(request), out var value))
        {
            return null;
        }
        var hash = RefreshTokenValue.Hash(value);
        var row = await (
                from device in db.KnownDevices.AsNoTracking()
                join user in db.Users on device.UserId equals user.Id
                where device.TokenHash == hash
                select new { device.Id, device.UserId, device.ExpiresAt, device.LockedUntil, user.NormalizedUserName, user.NormalizedEmail })
            .SingleOrDefaultAsync(CancellationToken.None);
        // Compared here, not in SQL: SQLite cannot compare DateTimeOffset values.
        return row is not null && (byEmail ? row.NormalizedEmail : row.NormalizedUserName) == normalizedUserName && row.ExpiresAt > time.GetUtcNow()
            ? new TrustedDevice(row.Id, row.UserId, row.LockedUntil)
            : null;
    }

    /// <summary>
    /// Makes this browser known to the account under a fresh cookie; the row is staged and saved with
    /// the caller's changes. The device it held before is forgotten, so an old copy of its cookie (one
    /// that leaked) stops working at the owner's next sign-in.
    /// </summary>
    public async Task TrustAsync(HttpResponse response, Guid userId, TrustedDevice? previous)
    {
        if (previous is not null)
        {
            await db.KnownDevices.Where(d => d.Id == previous.Id).ExecuteDeleteAsync(CancellationToken.None);
        }
        var value = RefreshTokenValue.New();
        // Whole seconds, like the cookie's own Expires.
        var now = time.GetUtcNowInSeconds();
        var expires = now + options.Value.Lifetime;
        db.KnownDevices.Add(new KnownDevice
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            TokenHash = RefreshTokenValue.Hash(value),
            CreatedAt = now,
            ExpiresAt = expires,
        });
        cookies.AppendBesideRefresh(response, CookieBaseName, RefreshTokenValue.Encode(value), expires);
    }

    /// <summary>Forgets every device of an account but <paramref name="keep"/> (after a password change).</summary>
    public Task ForgetOthersAsync(Guid userId, Guid? keep) =>
        db.KnownDevices.Where(d => d.UserId == userId && d.Id != (keep ?? Guid.Empty)).ExecuteDeleteAsync(CancellationToken.None);

    /// <summary>The cookie by its exact name, read as the session cookies are (AuthCookies.Find): a
    /// differently cased one is not ours, and cannot hide ours.</summary>
    private string? Read(HttpRequest request) =>
        AuthCookies.Find(request, cookies.NameBesideRefresh(CookieBaseName)) is { Length: > 0 and <= AuthCookies.MaxLength } value
            ? value
            : null;
}
