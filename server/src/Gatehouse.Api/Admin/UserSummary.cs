namespace Gatehouse.Api.Admin;

/// <summary>
/// One account as the admin API lists it (<c>GET /admin/users</c>): who, whether the address is
/// verified, and the states an admin acts on. Never a hash, a secret or a factor's key.
/// </summary>
public sealed record UserSummary(
    Guid Id,
    string Username,
    string? Email,
    bool EmailVerified,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt,
    bool Locked,
    bool Disabled,
    bool Mfa,
    IReadOnlyList<string> Roles);

/// <summary>A page of <c>GET /admin/users</c>; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record UsersPage(IReadOnlyList<UserSummary> Users, string? NextCursor);

/// <summary>One account in full (<c>GET /admin/users/{id}</c>).</summary>
public sealed record UserDetail(
    UserSummary User,
    DateTimeOffset? LockoutEnd,
    bool PasswordResetRequired,
    bool HasPassword,
    UserFactors Factors,
    IReadOnlyList<UserLoginView> Logins,
    IReadOnlyList<UserSessionView> Sessions,
    IReadOnlyList<UserAuditEventView> RecentEvents);

/// <summary>The second factors an account has: counts and flags only.</summary>
public sealed record UserFactors(bool Totp, int Passkeys, int RecoveryCodesRemaining);

/// <summary>An external login linked to the account (Identity's AspNetUserLogins): the provider, not the provider's user key.</summary>
public sealed record UserLoginView(string Provider, string DisplayName);

/// <summary>
/// A live session of the account. <see cref="Current"/> is always false here: it would mean the
/// admin's own session, and an admin looking at an account is not signed in as it.
/// </summary>
public sealed record UserSessionView(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string? UserAgent, string? IpAddress, bool Current);

/// <summary>An audit row as the admin API shows it (the contract's AuditEventView).</summary>
public sealed record UserAuditEventView(
    long Id,
    DateTimeOffset At,
    string Event,
    string Outcome,
    Guid? UserId,
    Guid? ActorId,
    Guid? SessionId,
    string? IpAddress,
    string? UserAgent,
    string? Detail)
{
    public static UserAuditEventView From(Audit.AuditEvent e) =>
        new(e.Id, e.At, e.Event, e.Outcome, e.UserId, e.ActorId, e.SessionId, e.IpAddress, e.UserAgent, e.Detail);
}
