using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tokens;

/// <summary>Reading an access token's user and session, and the whole-second clock its times use.</summary>
public static class SessionClaims
{
    /// <summary>The token's <c>sub</c> and <c>sid</c>, when both are GUIDs.</summary>
    public static bool TryGetSession(this ClaimsPrincipal principal, out Guid userId, out Guid sessionId)
    {
        sessionId = Guid.Empty;
        return Guid.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub), out userId)
            && Guid.TryParse(principal.FindFirstValue(AccessTokenIssuer.SessionClaim), out sessionId);
    }

    /// <summary>The user and session of a request the session guard let through (so both claims are there).</summary>
    public static (Guid UserId, Guid SessionId) Session(this ClaimsPrincipal principal) =>
        principal.TryGetSession(out var userId, out var sessionId)
            ? (userId, sessionId)
            : throw new InvalidOperationException("The request was not authenticated by an access token.");

    /// <summary>The token's <c>amr</c> (how the session's user last proved who they are), space-separated as sessions keep it.</summary>
    public static string AuthMethods(this ClaimsPrincipal principal) =>
        Sessions.AuthMethods.Join(principal.FindAll(AccessTokenIssuer.AmrClaim).Select(c => c.Value));

    /// <summary>Now, to the whole second: JWT times are whole seconds, and session times match them exactly.</summary>
    public static DateTimeOffset GetUtcNowInSeconds(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, now.Offset);
    }
}
