using System.Text;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tokens;

/// <summary>Access-token settings. ES256 unless a shared secret is configured.</summary>
public sealed class TokenOptions
{
    public const string Section = "Gatehouse:Tokens";
    public const int MinSecretBytes = 32;
    public const int MinPassphraseLength = 16;
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The JWKS endpoint's Cache-Control max-age: a verifier may hold the key set this long.</summary>
    public static readonly TimeSpan JwksMaxAge = TimeSpan.FromMinutes(5);

    public string Issuer { get; set; } = "gatehouse";
    public string Audience { get; set; } = "gatehouse";

    /// <summary>
    /// Short, because a JWT cannot be recalled from a server that does not ask the session store; the
    /// refresh token (Gatehouse:Sessions) keeps the user signed in.
    /// </summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan ClockSkew { get; set; } = MaxClockSkew;

    /// <summary>HS256 shared secret; <c>JWT_SECRET</c> (the original design's variable) sets it.</summary>
    public string? Secret { get; set; }

    /// <summary>ES256 private key as PEM text (PKCS#8 or SEC1, P-256).</summary>
    public string? SigningKey { get; set; }

    /// <summary>Path of a PEM file holding the ES256 private key.</summary>
    public string? SigningKeyPath { get; set; }

    /// <summary>
    /// Encrypts the private keys Gatehouse keeps in its database (PKCS#8, PBES2 with AES-256 and
    /// PBKDF2-SHA256). Every instance needs the same value. Required outside Development for keys
    /// Gatehouse makes itself (<c>--rotate-signing-key</c>, or no configured key at all).
    /// </summary>
    public string? KeyPassphrase { get; set; }

    /// <summary>How often each instance re-reads the key ring from the database, to see another instance's rotation.</summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a new key is published in the JWKS before it signs, so every instance (one refresh)
    /// and every verifier (JWKS max-age, the web app's 10-minute cache) knows it first. Shorter than
    /// the refresh interval plus the JWKS max-age is allowed (tests, a cluster whose only verifier
    /// refetches on an unknown kid) and warned about at start.
    /// </summary>
    public TimeSpan KeyActivationDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How many validated access tokens each instance remembers, so a token presented again skips the
    /// signature check (until its expiry, never longer; the session is still checked every time).
    /// About 2 KB each (40 MB when full at the default); 0 turns the cache off.
    /// </summary>
    public int ValidationCacheSize { get; set; } = 20_000;

    public bool UsesSharedSecret => !string.IsNullOrEmpty(Secret);

    public bool HasConfiguredKey => !string.IsNullOrEmpty(SigningKey) || !string.IsNullOrEmpty(SigningKeyPath);

    public bool HasPassphrase => !string.IsNullOrEmpty(KeyPassphrase);

    /// <summary>A key that stopped signing at T verifies until T plus this: its last token's lifetime and the skew.</summary>
    public TimeSpan RetirementGrace => Lifetime + ClockSkew;
}

internal sealed class TokenOptionsValidator(IHostEnvironment environment) : IValidateOptions<TokenOptions>
{
    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add("Gatehouse:Tokens:Issuer is empty. Set it to a name for this deployment, e.g. https://api.example.com (default: gatehouse).");
        }
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Gatehouse:Tokens:Audience is empty. Set it to the name the API and web app agree on (default: gatehouse).");
        }
        if (options.Lifetime <= TimeSpan.Zero || options.Lifetime > TimeSpan.FromDays(30))
        {
            failures.Add($"Gatehouse:Tokens:Lifetime is {options.Lifetime}; use a positive duration of at most 30 days, e.g. 00:10:00 (default).");
        }
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TokenOptions.MaxClockSkew)
        {
            failures.Add($"Gatehouse:Tokens:ClockSkew is {options.ClockSkew}; use a value from 00:00:00 to 00:00:30.");
        }

        if (options.ValidationCacheSize < 0 || options.ValidationCacheSize > 1_000_000)
        {
            failures.Add($"Gatehouse:Tokens:ValidationCacheSize is {options.ValidationCacheSize}; use 0 (off) to 1000000, e.g. 20000 (default, about 40 MB when full).");
        }

        if (options.UsesSharedSecret)
        {
            if (Encoding.UTF8.GetByteCount(options.Secret!) < TokenOptions.MinSecretBytes)
            {
                failures.Add($"JWT_SECRET is shorter than {TokenOptions.MinSecretBytes} bytes, too weak for HS256. Generate one with: openssl rand -base64 48");
            }
        }
        else
        {
            if (options.HasConfiguredKey)
            {
                if (!ConfiguredSigningKey.TryLoad(options, out var key, out var error))
                {
                    failures.Add(error);
                }
                key?.Dispose();
            }
            else if (!options.HasPassphrase && !environment.IsDevelopment())
            {
                failures.Add(
                    "No token signing key is configured. Outside Development, set Gatehouse:Tokens:KeyPassphrase (env Gatehouse__Tokens__KeyPassphrase) " +
                    "to a long random value shared by every instance (openssl rand -base64 32), and Gatehouse makes its signing keys and keeps them encrypted in the database; " +
                    "or set Gatehouse:Tokens:SigningKeyPath to a P-256 private key in PEM, created with: openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out signing-key.pem; " +
                    "or put the PEM text in Gatehouse:Tokens:SigningKey; or set JWT_SECRET (32+ bytes) to sign with HS256 (which cannot be rotated).");
            }
            // The value itself is never echoed: it is a secret.
            if (options.HasPassphrase && options.KeyPassphrase!.Length < TokenOptions.MinPassphraseLength)
            {
                failures.Add($"Gatehouse:Tokens:KeyPassphrase is shorter than {TokenOptions.MinPassphraseLength} characters. Generate one with: openssl rand -base64 32");
            }
            if (options.KeyRefreshInterval < TimeSpan.FromSeconds(1) || options.KeyRefreshInterval > TimeSpan.FromMinutes(5))
            {
                failures.Add($"Gatehouse:Tokens:KeyRefreshInterval is {options.KeyRefreshInterval}; use 00:00:01 to 00:05:00, e.g. 00:00:30 (default).");
            }
            // Every instance must have read a new key before any instance signs with it: two refreshes' worth.
            var minimumDelay = options.KeyRefreshInterval * 2;
            if (options.KeyActivationDelay < minimumDelay || options.KeyActivationDelay > TimeSpan.FromDays(7))
            {
                failures.Add(
                    $"Gatehouse:Tokens:KeyActivationDelay is {options.KeyActivationDelay}; use at least {minimumDelay} (twice the key refresh interval, so every instance " +
                    "knows a new key before it signs) and at most 7 days, e.g. 00:15:00 (default, which also outlasts the JWKS's 5-minute cache).");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
