using System.Text;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tokens;

/// <summary>Access-token settings. ES256 unless a shared secret is configured.</summary>
public sealed class TokenOptions
{
    public const string Section = "Gatehouse:Tokens";
    public const int MinSecretBytes = 32;
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(30);

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

    public bool UsesSharedSecret => !string.IsNullOrEmpty(Secret);
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

        if (options.UsesSharedSecret)
        {
            if (Encoding.UTF8.GetByteCount(options.Secret!) < TokenOptions.MinSecretBytes)
            {
                failures.Add($"JWT_SECRET is shorter than {TokenOptions.MinSecretBytes} bytes, too weak for HS256. Generate one with: openssl rand -base64 48");
            }
        }
        else if (!string.IsNullOrEmpty(options.SigningKey) || !string.IsNullOrEmpty(options.SigningKeyPath))
        {
            if (!SigningKeys.TryLoadConfiguredKey(options, out _, out var error))
            {
                failures.Add(error);
            }
        }
        else if (!environment.IsDevelopment())
        {
            failures.Add(
                "No token signing key is configured. Outside Development, set Gatehouse:Tokens:SigningKeyPath (env Gatehouse__Tokens__SigningKeyPath) " +
                "to a P-256 private key in PEM, created with: openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out signing-key.pem; " +
                "or put the PEM text in Gatehouse:Tokens:SigningKey; or set JWT_SECRET (32+ bytes) to sign with HS256.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
