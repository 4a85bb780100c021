using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tokens;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary>The key ring as an operator and a verifier see it: the rotation command, the JWKS, token kids.</summary>
internal static class KeyRing
{
    /// <summary>Runs what <c>--rotate-signing-key</c> runs, on the factory's services and fake clock; returns the new kid.</summary>
    public static async Task<string> RotateAsync(this GatehouseFactory factory)
    {
        var output = new StringWriter();
        await SigningKeyCommands.RotateAsync(factory.Services, output, CancellationToken.None);
        return System.Text.RegularExpressions.Regex.Match(output.ToString(), @"Added signing key (\S+):").Groups[1].Value;
    }

    public static async Task<string[]> JwksKidsAsync(this GatehouseFactory factory)
    {
        var set = new JsonWebKeySet(await factory.CreateClient().GetStringAsync("/.well-known/jwks.json"));
        return set.Keys.Select(k => k.Kid).Order(StringComparer.Ordinal).ToArray();
    }

    public static string Kid(string token) => new JsonWebToken(token).Kid;

    /// <summary>Re-reads the ring now, as the periodic refresh would.</summary>
    public static Task RefreshKeysAsync(this GatehouseFactory factory) =>
        factory.Services.GetRequiredService<SigningKeyRing>().RefreshAsync(CancellationToken.None);

    /// <summary>A token with <paramref name="token"/>'s claims, valid for a day, signed with <paramref name="signing"/>.</summary>
    public static string LongLived(string token, SigningCredentials signing)
    {
        var jwt = new JsonWebToken(token);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audiences.Single(),
            IssuedAt = jwt.IssuedAt,
            NotBefore = jwt.ValidFrom,
            Expires = jwt.ValidTo.AddDays(1),
            TokenType = jwt.Typ,
            SigningCredentials = signing,
            Claims = new Dictionary<string, object> { ["sub"] = jwt.Subject, ["sid"] = jwt.GetClaim("sid").Value, ["jti"] = Guid.NewGuid().ToString("N") },
        });
    }
}
