using Gatehouse.Api.Sessions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tokens;

public readonly record struct AccessToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>Mints access tokens (RFC 9068 <c>at+jwt</c>) for a session, with IdentityModel's handler.</summary>
public sealed class AccessTokenIssuer(SigningKeys keys, IOptions<TokenOptions> options)
{
    public const string TokenType = "at+jwt";
    public const string SessionClaim = "sid";

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TimeSpan Lifetime => options.Value.Lifetime;

    public AccessToken Issue(Session session)
    {
        var settings = options.Value;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = session.CreatedAt.UtcDateTime,
            NotBefore = session.CreatedAt.UtcDateTime,
            // The token lives exactly as long as its session.
            Expires = session.ExpiresAt.UtcDateTime,
            TokenType = TokenType,
            SigningCredentials = keys.Credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = session.UserId.ToString(),
                [SessionClaim] = session.Id.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        };
        return new AccessToken(_handler.CreateToken(descriptor), session.ExpiresAt);
    }
}
