using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// IdentityModel's JWT handler, remembering the tokens it has found valid so that a token presented
/// again is not verified again (an ES256 verification costs about 46 µs; a hit, a hash and a lookup).
/// Only the signature and claims checks are remembered: the session check (OnTokenValidated) runs on
/// every request, so a revoked session is refused at once whatever is remembered here.
/// </summary>
/// <remarks>
/// JwtBearerHandler (ASP.NET Core 10) calls <see cref="ValidateTokenAsync(string, TokenValidationParameters)"/>
/// on each of <c>JwtBearerOptions.TokenHandlers</c> with a fresh clone of the options' parameters, and
/// reads only <c>IsValid</c>, <c>Exception</c>, <c>SecurityToken</c> (its ValidFrom and ValidTo) and
/// <c>ClaimsIdentity</c>, which it wraps in a new ClaimsPrincipal. The parameters are the same for
/// the whole life of the app, so the token alone is the key.
/// </remarks>
public sealed class CachingJsonWebTokenHandler(ValidatedTokenCache cache, SigningKeys keys) : JsonWebTokenHandler
{
    public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (cache.TryGet(token, out var known))
        {
            if (IsStillValid(known, validationParameters))
            {
                return Task.FromResult(known.NewResult());
            }
            // Expired, or its key has left the ring: the full check below gives the usual failure.
            cache.Forget(token);
        }
        return ValidateAndRememberAsync(token, validationParameters);
    }

    private async Task<TokenValidationResult> ValidateAndRememberAsync(string token, TokenValidationParameters validationParameters)
    {
        var result = await base.ValidateTokenAsync(token, validationParameters);
        // Failures are never kept: a forged or garbage token costs its sender a full check every time
        // and cannot take the place of a good one.
        if (result.IsValid && result.SecurityToken is JsonWebToken validated)
        {
            cache.Remember(token, ValidatedToken.From(validated, result));
        }
        return result;
    }

    /// <summary>
    /// The first check's lifetime rule, again on the app's clock (the parameters' LifetimeValidator,
    /// with the same skew), and the signing key still in the ring.
    /// </summary>
    private bool IsStillValid(ValidatedToken known, TokenValidationParameters parameters)
    {
        if (!keys.StillVerifies(known.Kid))
        {
            return false;
        }
        try
        {
            Validators.ValidateLifetime(known.NotBefore, known.Expires, new RememberedToken(known), parameters);
            return true;
        }
        catch (SecurityTokenException)
        {
            return false;
        }
    }
}

/// <summary>
/// What a token that passed every check is remembered by: its times, issuer, kid and identity, not
/// the token itself (which the cache does not keep). The identity is a template that never leaves the
/// cache: each request gets its own copy (<see cref="ClaimsIdentity.Clone"/> copies the claims), so
/// nothing one request does to its principal reaches another.
/// </summary>
public sealed record ValidatedToken(
    string Id, string Issuer, string? Kid, DateTime? NotBefore, DateTime? Expires, string? TokenType, ClaimsIdentity Identity,
    (Guid UserId, Guid SessionId)? Session)
{
    public static ValidatedToken From(JsonWebToken token, TokenValidationResult result) => new(
        token.Id,
        result.Issuer,
        token.Kid,
        // As the handler read them for its own lifetime check: an absent time is null, not MinValue.
        token.ValidFrom == DateTime.MinValue ? null : token.ValidFrom,
        token.ValidTo == DateTime.MinValue ? null : token.ValidTo,
        result.TokenType,
        result.ClaimsIdentity.Clone(),
        // Read from the claims once, not on every request that presents the token again.
        new ClaimsPrincipal(result.ClaimsIdentity).TryGetSession(out var userId, out var sessionId) ? (userId, sessionId) : null);

    public TokenValidationResult NewResult() => new()
    {
        IsValid = true,
        SecurityToken = new RememberedToken(this),
        ClaimsIdentity = Identity.Clone(),
        Issuer = Issuer,
        TokenType = TokenType,
    };
}

/// <summary>
/// The SecurityToken of a remembered validation, one per request: its id, issuer, times and kid.
/// Not a JsonWebToken (the cache keeps no token to parse); nothing in Gatehouse reads more than this.
/// </summary>
public sealed class RememberedToken(ValidatedToken known) : SecurityToken
{
    public override string Id => known.Id;
    public override string Issuer => known.Issuer;
    public string? Kid => known.Kid;

    /// <summary>The token's <c>sub</c> and <c>sid</c>, as <see cref="SessionClaims.TryGetSession"/> read them when it was verified.</summary>
    public (Guid UserId, Guid SessionId)? Session => known.Session;
    public override SecurityKey? SecurityKey => null;
    public override SecurityKey? SigningKey { get; set; }
    public override DateTime ValidFrom => known.NotBefore ?? DateTime.MinValue;
    public override DateTime ValidTo => known.Expires ?? DateTime.MinValue;
}

/// <summary>
/// The tokens found valid, each kept until its expiry plus the clock skew and no longer, at most
/// <see cref="TokenOptions.ValidationCacheSize"/> of them. Only a token we signed can get in, so
/// filling it takes valid tokens, each from a sign-in or a refresh (both rate-limited); when full,
/// the least recently used entries go first, and what a lost entry costs is one more verification.
/// Entries are found by a 128-bit hash of the token, so no usable token sits in memory longer than
/// its request.
/// </summary>
/// <remarks>
/// The hash is XxHash128 under a random seed of this process (0.04 µs a token, against 0.9 for
/// SHA-256). A string with the same hash as a remembered token would be taken for that token, but
/// finding one needs the hash to aim at, which only the token and the seed give: whoever holds the
/// token gains nothing by it, and nobody else can test a guess but by sending it (2^-128 a try).
/// </remarks>
public sealed class ValidatedTokenCache : IDisposable
{
    private static readonly long Seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));

    private readonly MemoryCache? _entries;
    private readonly TimeProvider _time;
    private readonly TimeSpan _skew;

    public ValidatedTokenCache(IOptions<TokenOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        _time = time;
        _skew = settings.ClockSkew;
        _entries = settings.ValidationCacheSize > 0
            ? new MemoryCache(new MemoryCacheOptions { SizeLimit = settings.ValidationCacheSize })
            : null;
    }

    /// <summary>How many tokens are remembered now.</summary>
    public int Count => _entries?.Count ?? 0;

    public bool TryGet(string token, out ValidatedToken known)
    {
        known = null!;
        return _entries is not null && _entries.TryGetValue(KeyOf(token), out known!);
    }

    public void Remember(string token, ValidatedToken known)
    {
        // The memory's own expiry only frees the entry; every hit is judged by the lifetime rule again.
        var remaining = known.Expires + _skew - _time.GetUtcNow().UtcDateTime;
        if (_entries is null || remaining is not { } lifetime || lifetime <= TimeSpan.Zero)
        {
            return;
        }
        _entries.Set(KeyOf(token), known, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = lifetime });
    }

    public void Forget(string token) => _entries?.Remove(KeyOf(token));

    public void Dispose() => _entries?.Dispose();

    private static UInt128 KeyOf(string token) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(token.AsSpan()), Seed);
}
