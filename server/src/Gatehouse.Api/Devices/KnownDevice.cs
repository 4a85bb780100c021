namespace Gatehouse.Api.Devices;

/// <summary>
/// A browser that has signed in to an account: the server half of its device cookie (OWASP, "Slow
/// Down Online Guessing Attacks with Device Cookies"). Only the SHA-256 of the cookie's value is kept,
/// so a copy of the database cannot make a device trusted. The failure count and lock are the device's
/// own: its wrong guesses lock it, not the account.
/// </summary>
public sealed class KnownDevice
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public byte[] TokenHash { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Wrong passwords from this device since it was trusted or last locked.</summary>
    public int FailedCount { get; set; }

    /// <summary>Until when this device may not try (per-device lockout); the account is unaffected.</summary>
    public DateTimeOffset? LockedUntil { get; set; }
}
