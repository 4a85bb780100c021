namespace Gatehouse.Api.Sessions;

/// <summary>
/// One sign-in on one device. Access tokens name it in their <c>sid</c> claim and refresh tokens
/// belong to it, so revoking it ends both at once.
/// </summary>
public sealed class Session
{
    public const int MaxUserAgentLength = 512;
    public const int MaxIpAddressLength = 64;
    public const int MaxReasonLength = 32;

    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the session was last signed in or refreshed.</summary>
    public DateTimeOffset LastUsedAt { get; set; }

    /// <summary>The absolute end: no refresh carries the session past it.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The idle end: when the current refresh token expires unless it is used.</summary>
    public DateTimeOffset IdleExpiresAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Why it was revoked (<see cref="RevocationReasons"/>).</summary>
    public string? RevokedReason { get; set; }

    public string? UserAgent { get; set; }
    public string? IpAddress { get; set; }
}

public static class RevocationReasons
{
    public const string Logout = "logout";
    public const string Revoked = "revoked";
    public const string LogoutAll = "logout_all";
    public const string PasswordChanged = "password_changed";
    public const string PasswordReset = "password_reset";
    public const string RefreshTokenReuse = "refresh_token_reuse";
    public const string Replaced = "replaced";
}
