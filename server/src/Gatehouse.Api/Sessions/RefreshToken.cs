namespace Gatehouse.Api.Sessions;

/// <summary>
/// One refresh token of a session. Only its SHA-256 hash is kept: a copy of the database does not
/// let anyone refresh. Each use retires it and names its successor.
/// </summary>
public sealed class RefreshToken
{
    public Guid Id { get; set; }
    public Guid SessionId { get; set; }
    public byte[] TokenHash { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>When it was rotated; presenting it again after the grace window is reuse.</summary>
    public DateTimeOffset? RetiredAt { get; set; }

    public Guid? SuccessorId { get; set; }

    /// <summary>
    /// The successor's value, encrypted under a key derived from this token's own value (which only
    /// its holder has), so a request racing the rotation can be given the same successor.
    /// </summary>
    public byte[]? SuccessorSealed { get; set; }
}
