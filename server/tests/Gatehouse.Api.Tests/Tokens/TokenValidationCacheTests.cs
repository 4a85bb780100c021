using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tokens;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tests.Tokens;

/// <summary>
/// The memory of validated tokens: a token presented again skips the signature check, but not its
/// expiry, its key's retirement or the session check. Each full check asks the signing key resolver
/// once, so counting its calls tells a remembered token from a verified one.
/// </summary>
public sealed class TokenValidationCacheTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_token_presented_again_is_not_verified_again()
    {
        using var factory = new CountingFactory();
        var (_, access, _) = await factory.SignInAsync();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));
        }

        Assert.Equal(1, factory.Verifications);
        Assert.True(factory.Cache.TryGet(access, out _));
    }

    [Fact]
    public async Task A_remembered_token_is_accepted_until_its_expiry_plus_the_skew_and_refused_at_it()
    {
        using var factory = new CountingFactory();
        var (_, access, _) = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));
        var deadline = TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(30); // the default lifetime plus the skew

        factory.Time.Advance(deadline - Second);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));
        Assert.Equal(1, factory.Verifications); // still the remembered check

        factory.Time.Advance(Second);
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
        Assert.Equal(2, factory.Verifications); // the memory let go and the full check refused it
        Assert.False(factory.Cache.TryGet(access, out _));
    }

    [Fact]
    public async Task A_revoked_session_is_refused_at_once_though_its_token_is_remembered()
    {
        using var factory = new CountingFactory();
        var (username, laptop, _) = await factory.SignInAsync();
        var (phone, _) = await factory.LogInAsync(username);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(phone));

        var revoke = await factory.SendAsync(HttpMethod.Delete, $"/auth/sessions/{new JsonWebToken(phone).GetClaim("sid").Value}", laptop);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.True(factory.Cache.TryGet(phone, out _));
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(phone));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.SendAsync(HttpMethod.Get, "/auth/is-authenticated", phone)).StatusCode);
    }

    [Fact]
    public async Task A_logged_out_token_is_refused_at_once_though_it_is_remembered()
    {
        using var factory = new CountingFactory();
        var (_, access, _) = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));

        Assert.Equal(HttpStatusCode.NoContent, (await factory.SendAsync(HttpMethod.Post, "/auth/logout", access)).StatusCode);

        Assert.True(factory.Cache.TryGet(access, out _));
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
    }

    [Fact]
    public async Task The_cache_holds_no_more_tokens_than_its_size_and_the_others_still_work()
    {
        using var factory = new CountingFactory().With("Gatehouse:Tokens:ValidationCacheSize", "3");
        var (username, _, _) = await factory.SignInAsync();
        var tokens = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            tokens.Add((await factory.LogInAsync(username)).Access);
        }

        foreach (var token in tokens)
        {
            Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(token));
            Assert.InRange(factory.Cache.Count, 1, 3);
        }
        Assert.Equal(8, factory.Verifications);
    }

    [Fact]
    public async Task With_a_size_of_zero_every_request_is_verified()
    {
        using var factory = new CountingFactory().With("Gatehouse:Tokens:ValidationCacheSize", "0");
        var (_, access, _) = await factory.SignInAsync();

        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));

        Assert.Equal(2, factory.Verifications);
        Assert.Equal(0, factory.Cache.Count);
    }

    [Fact]
    public async Task A_forged_token_is_not_remembered_and_is_verified_every_time()
    {
        using var factory = new CountingFactory();
        var (_, access, _) = await factory.SignInAsync();
        using var foreign = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = KeyRing.LongLived(access, new SigningCredentials(
            new ECDsaSecurityKey(foreign) { KeyId = KeyRing.Kid(access) }, SecurityAlgorithms.EcdsaSha256));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(forged));
        }

        Assert.Equal(3, factory.Verifications);
        Assert.Equal(0, factory.Cache.Count);
        Assert.False(factory.Cache.TryGet(forged, out _));
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_its_key_is_removed_from_the_ring()
    {
        using var factory = new CountingFactory();
        var (username, _, _) = await factory.SignInAsync();
        await factory.RotateAsync();
        factory.Time.Advance(TimeSpan.FromMinutes(15) - Second);
        var (access, _) = await factory.LogInAsync(username); // among the old key's last tokens
        var old = KeyRing.Kid(access);
        factory.Time.Advance(Second); // the new key signs; the old one still verifies
        var (fresh, _) = await factory.LogInAsync(username);
        Assert.NotEqual(old, KeyRing.Kid(fresh));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));
        Assert.True(factory.Cache.TryGet(access, out _));

        // An operator deletes the old key by hand (say it leaked) and the ring is re-read.
        await factory.QueryAsync(db => db.SigningKeys.Where(k => k.Kid == old).ExecuteDeleteAsync());
        await factory.RefreshKeysAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(fresh));
    }

    [Fact]
    public async Task Each_validation_of_a_remembered_token_gets_its_own_identity()
    {
        using var factory = new CountingFactory();
        var (_, access, _) = await factory.SignInAsync();
        var bearer = factory.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        var handler = Assert.IsType<CachingJsonWebTokenHandler>(Assert.Single(bearer.TokenHandlers));

        var first = await handler.ValidateTokenAsync(access, bearer.TokenValidationParameters.Clone());
        var second = await handler.ValidateTokenAsync(access, bearer.TokenValidationParameters.Clone());
        first.ClaimsIdentity.AddClaim(new Claim("role", "admin")); // what a careless claims transformation might do
        var third = await handler.ValidateTokenAsync(access, bearer.TokenValidationParameters.Clone());

        Assert.True(first.IsValid && second.IsValid && third.IsValid);
        Assert.Equal(1, factory.Verifications);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.NotSame(second.ClaimsIdentity, third.ClaimsIdentity);
        Assert.Null(second.ClaimsIdentity.FindFirst("role"));
        Assert.Null(third.ClaimsIdentity.FindFirst("role"));
        Assert.Equal(new JsonWebToken(access).Subject, third.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.IsType<CaseSensitiveClaimsIdentity>(third.ClaimsIdentity);
    }

    /// <summary>The app with its signing key resolver counted: one call per full token check.</summary>
    private sealed class CountingFactory : GatehouseFactory
    {
        private int _verifications;

        public CountingFactory()
        {
            WithServices(services => services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, bearer =>
            {
                var resolve = bearer.TokenValidationParameters.IssuerSigningKeyResolver;
                bearer.TokenValidationParameters.IssuerSigningKeyResolver = (token, securityToken, kid, parameters) =>
                {
                    Interlocked.Increment(ref _verifications);
                    return resolve(token, securityToken, kid, parameters);
                };
            }));
        }

        public int Verifications => Volatile.Read(ref _verifications);

        public ValidatedTokenCache Cache => Services.GetRequiredService<ValidatedTokenCache>();

        public new CountingFactory With(string key, string? value)
        {
            base.With(key, value);
            return this;
        }
    }
}
