using Microsoft.Extensions.Options;

namespace ResourceServer.Gatehouse;

/// <summary>Where Gatehouse is and what its tokens say (its Gatehouse:Tokens:Issuer and Audience).</summary>
public sealed class GatehouseOptions
{
    public const string Section = "Gatehouse";

    /// <summary>The Gatehouse API's origin, as this server reaches it: its JWKS and its revocation feed.</summary>
    public Uri? Authority { get; set; }

    public string Issuer { get; set; } = "gatehouse";

    public string Audience { get; set; } = "gatehouse";

    /// <summary>
    /// The access-token cookie, read on GET and HEAD when a browser calls this API on a host that
    /// receives Gatehouse's cookies. Over HTTPS in Production Gatehouse names it <c>__Host-access_token</c>
    /// (or <c>__Secure-access_token</c> with a cookie domain).
    /// </summary>
    public string AccessCookie { get; set; } = "access_token";

    /// <summary>Between two polls of the revocation feed.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Without a complete answer from the feed for this long, tokens are refused (503): fail closed.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The tolerance for clocks that differ; Gatehouse's own default.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class GatehouseOptionsValidator : IValidateOptions<GatehouseOptions>
{
    public ValidateOptionsResult Validate(string? name, GatehouseOptions options)
    {
        var failures = new List<string>();
        if (options.Authority is not { IsAbsoluteUri: true } authority || authority.Scheme is not ("http" or "https") || authority.AbsolutePath != "/")
        {
            failures.Add("Gatehouse:Authority must be the Gatehouse API's origin, e.g. http://127.0.0.1:3001 (env Gatehouse__Authority).");
        }
        if (string.IsNullOrWhiteSpace(options.Issuer) || string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Gatehouse:Issuer and Gatehouse:Audience must match the API's Gatehouse:Tokens:Issuer and Audience (default: gatehouse).");
        }
        if (options.PollInterval < TimeSpan.FromMilliseconds(100) || options.StaleAfter <= options.PollInterval)
        {
            failures.Add("Gatehouse:PollInterval must be at least 00:00:00.1 and Gatehouse:StaleAfter longer than it (defaults: 1 s and 5 s).");
        }
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromSeconds(30))
        {
            failures.Add("Gatehouse:ClockSkew must be from 00:00:00 to 00:00:30 (default 00:00:30).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
