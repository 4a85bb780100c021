using Gatehouse.Api.Sessions;
using Gatehouse.Api.Users;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tokens;

public readonly record struct AccessToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>Mints access tokens (RFC 9068 <c>at+jwt</c>) for a session, with IdentityModel's handler.</summary>
public sealed class AccessTokenIssuer(SigningKeys keys, IOptions<TokenOptions> options, TimeProvider time)
{
    public const string TokenType = "at+jwt";
    public const string SessionClaim = "sid";
    public const string AuthTimeClaim = "auth_time";
    public const string AmrClaim = "amr";
    /// <summary>One claim per role the user has (RFC 9068 §2.2.3.1, <c>roles</c> there; <c>role</c> as ASP.NET Core reads it).</summary>
    public const string RoleClaim = "role";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>A token for the session of the user <paramref name="profile"/> describes (name and roles).</summary>
    public AccessToken Issue(Session session, UserProfile? profile) => Issue(session, profile?.Username, profile?.Roles);

    /// <summary>
    /// A token for the session, valid from now for the access-token lifetime, never past the session's
    /// end. It carries the username so that a verifier showing it (the web app's pages) need not ask;
    /// without one, such a verifier asks the API's /auth/me who the token belongs to.
    /// </summary>
    public AccessToken Issue(Session session, string? username = null, IReadOnlyCollection<string>? roles = null)
    {
        var settings = options.Value;
        var now = time.GetUtcNowInSeconds();
        var expires = now + settings.Lifetime < session.ExpiresAt ? now + settings.Lifetime : session.ExpiresAt;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = TokenType,
            SigningCredentials = keys.Credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = session.UserId.ToString(),
                [SessionClaim] = session.Id.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
                // When and how the user last proved who they are (OpenID Connect Core §2): step-up
                // checks read them (Security/RecentAuthentication), and so may the apps built on Gatehouse.
                [AuthTimeClaim] = session.AuthenticatedAt.ToUnixTimeSeconds(),
                [AmrClaim] = AuthMethods.Split(session.AuthMethods),
            },
        };
        if (username is not null) descriptor.Claims["preferred_username"] = username;
        if (roles is { Count: > 0 }) descriptor.Claims[RoleClaim] = roles.ToArray();
        return new AccessToken(_handler.CreateToken(descriptor), expires);
    }
}
