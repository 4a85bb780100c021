namespace Gatehouse.Api.Accounts;

/// <summary>
/// A one-time token sent in a mail's link (verify an address, reset a password, confirm a new address).
/// Only its SHA-256 hash is stored; the token itself exists in the mail alone. Single-use, expiring,
/// bound to the address it was sent to and to the user's security stamp when it was issued, so any
/// password change (which renews the stamp) voids every earlier token.
/// </summary>
/// <remarks>UTC <see cref="DateTime"/>s, compared in SQL (SQLite cannot compare <see cref="DateTimeOffset"/>s).</remarks>
public sealed class AccountToken
{
    public const int MaxPurposeLength = 32;
    public const int MaxEmailLength = 256;
    public const int MaxStampLength = 64;

    public Guid Id { get; set; }
    public Guid UserId { get; set; }

    /// <summary>What the token may be used for (<see cref="AccountTokenPurposes"/>); a token of one purpose never serves another.</summary>
    public string Purpose { get; set; } = "";

    /// <summary>SHA-256 of the token.</summary>
    public byte[] TokenHash { get; set; } = [];

    /// <summary>The address the link was sent to (for an email change: the new address).</summary>
    public string? Email { get; set; }

    /// <summary>The user's security stamp when the token was issued; the token is void once it differs.</summary>
    public string? SecurityStamp { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }

    /// <summary>When it was used, or voided by a newer token of the same purpose.</summary>
    public DateTime? UsedAt { get; set; }
}

public static class AccountTokenPurposes
{
    public const string VerifyEmail = "verify_email";
    public const string ResetPassword = "reset_password";
    public const string ChangeEmail = "change_email";
}
