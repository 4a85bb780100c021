using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary>What the guard accepts and refuses, with tokens minted by the app and forged by hand.</summary>
public sealed class TokenTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    public static string Claim(string token, string name) =>
        new JsonWebToken(token).GetClaim(name).Value;

    [Fact]
    public async Task Tokens_are_es256_at_jwt_with_the_expected_claims()
    {
        var client = factory.CreateClient();
        var (username, token) = await client.SignUpAndLogInAsync();

        var jwt = new JsonWebToken(token);

        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.False(string.IsNullOrEmpty(jwt.Kid));
        Assert.Equal("gatehouse", jwt.Issuer);
        Assert.Equal(["gatehouse"], jwt.Audiences);
        Assert.True(Guid.TryParse(jwt.Subject, out _));
        Assert.True(Guid.TryParse(Claim(token, "sid"), out _));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(factory.Time.GetUtcNow().UtcDateTime, jwt.IssuedAt);
        Assert.Equal(factory.Time.GetUtcNow().AddMinutes(10).UtcDateTime, jwt.ValidTo);
        // The username, so the web app's pages can show it without asking the API.
        Assert.Equal(username, Claim(token, "preferred_username"));
    }

    [Fact]
    public async Task The_jwks_publishes_the_public_key_that_verifies_tokens()
    {
        var client = factory.CreateClient();
        var (_, token) = await client.SignUpAndLogInAsync();

        var response = await client.GetAsync("/.well-known/jwks.json");
        var json = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var set = new JsonWebKeySet(json);
        var key = Assert.Single(set.Keys);
        Assert.Equal("EC", key.Kty);
        Assert.Equal("P-256", key.Crv);
        Assert.Equal("ES256", key.Alg);
        Assert.Equal(new JsonWebToken(token).Kid, key.Kid);
        Assert.DoesNotContain("\"d\"", json); // never the private part
        Assert.Contains("max-age", response.Headers.CacheControl?.ToString());

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "gatehouse",
            ValidAudience = "gatehouse",
            IssuerSigningKeys = set.Keys,
            ValidTypes = ["at+jwt"],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public async Task A_tampered_token_is_refused()
    {
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        var (_, other) = await factory.CreateClient().SignUpAndLogInAsync();
        var forgedPayload = payload.Replace(new JsonWebToken(token).Subject, new JsonWebToken(other).Subject, StringComparison.Ordinal);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(forgedPayload)}.{parts[2]}";

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(tampered));
        Assert.Equal(HttpStatusCode.OK, await MeAsync(token));
    }

    [Fact]
    public async Task Alg_none_is_refused()
    {
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        var unsigned = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(Copy(token, signing: null));

        Assert.Equal("none", new JsonWebToken(unsigned).Alg);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(unsigned));
    }

    [Fact]
    public async Task An_hs256_token_signed_with_the_public_key_is_refused()
    {
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        var jwks = new JsonWebKeySet(await factory.CreateClient().GetStringAsync("/.well-known/jwks.json"));
        var publicJwk = jwks.Keys[0];
        // The classic confusion attack: use the published key's bytes as an HMAC secret.
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(publicJwk.X), Y = Base64UrlEncoder.DecodeBytes(publicJwk.Y) },
        });
        var secret = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ecdsa.ExportSubjectPublicKeyInfoPem())) { KeyId = publicJwk.Kid };

        var forged = Mint(token, new SigningCredentials(secret, SecurityAlgorithms.HmacSha256));

        Assert.Equal("HS256", new JsonWebToken(forged).Alg);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(forged));
    }

    [Fact]
    public async Task A_token_signed_by_another_key_is_refused_even_with_our_kid()
    {
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        using var foreign = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var key = new ECDsaSecurityKey(foreign) { KeyId = new JsonWebToken(token).Kid };

        var forged = Mint(token, new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256));

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(forged));
    }

    [Fact]
    public async Task Another_algorithm_with_another_key_is_refused()
    {
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        using var rsa = RSA.Create(2048);

        var forged = Mint(token, new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256));

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(forged));
    }

    [Theory]
    [InlineData("issuer")]
    [InlineData("audience")]
    [InlineData("typ")]
    [InlineData("sid")]
    [InlineData("sub")]
    public async Task A_correctly_signed_token_with_a_wrong_claim_is_refused(string what)
    {
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        var keys = factory.Services.GetRequiredService<Gatehouse.Api.Tokens.SigningKeys>();
        var descriptor = Copy(token, keys.Credentials);
        switch (what)
        {
            case "issuer": descriptor.Issuer = "someone-else"; break;
            case "audience": descriptor.Audience = "another-api"; break;
            case "typ": descriptor.TokenType = "JWT"; break;
            case "sid": descriptor.Claims["sid"] = Guid.NewGuid().ToString(); break;
            // A live session, but someone else's: the session must belong to the token's subject.
            case "sub": descriptor.Claims["sub"] = new JsonWebToken((await factory.CreateClient().SignUpAndLogInAsync()).Token).Subject; break;
        }

        var wrong = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
        var right = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(Copy(token, keys.Credentials));

        Assert.Equal(HttpStatusCode.OK, await MeAsync(right)); // the copy itself is sound
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(wrong));
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJub25lIn0.e30.")]
    [InlineData("%00%01%02")]
    public async Task A_garbage_cookie_gets_401(string garbage)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(garbage));
    }

    [Fact]
    public async Task An_oversized_cookie_gets_401()
    {
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(token + new string('A', 10_000)));
    }

    [Fact]
    public async Task Without_a_cookie_an_authorization_header_is_accepted()
    {
        var (_, token) = await factory.CreateClient().SignUpAndLogInAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        request.Headers.Authorization = new("Bearer", token);

        var response = await factory.CreateClient(new() { HandleCookies = false }).SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HttpStatusCode> MeAsync(string token)
    {
        var client = factory.CreateClient(new() { HandleCookies = false });
        using var response = await client.SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token));
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            await response.ProblemAsync(HttpStatusCode.Unauthorized);
        }
        return response.StatusCode;
    }

    /// <summary>A descriptor with the same claims and times as <paramref name="token"/>.</summary>
    private static SecurityTokenDescriptor Copy(string token, SigningCredentials? signing)
    {
        var jwt = new JsonWebToken(token);
        return new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audiences.Single(),
            IssuedAt = jwt.IssuedAt,
            NotBefore = jwt.ValidFrom,
            Expires = jwt.ValidTo,
            TokenType = jwt.Typ,
            SigningCredentials = signing,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = jwt.Subject,
                ["sid"] = Claim(token, "sid"),
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
        };
    }

    private static string Mint(string token, SigningCredentials signing) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(Copy(token, signing));
}
