using System.Net;
using Gatehouse.Api.Email;
using Gatehouse.Api.Security;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Passkeys;

/// <summary>Passkey (WebAuthn) settings (<c>Gatehouse:Passkeys</c>).</summary>
public sealed class PasskeyOptions
{
    public const string Section = "Gatehouse:Passkeys";

    /// <summary>
    /// The relying party id: the domain passkeys are bound to, the web app's host or a parent domain of
    /// it (e.g. <c>example.com</c> for <c>app.example.com</c>). Empty: the host of
    /// <c>Gatehouse:PublicWebUrl</c>. Changing it later orphans every passkey registered under the old one.
    /// </summary>
    public string? RpId { get; set; }
}

/// <summary>
/// The relying party as the ceremonies use it: its id and the origins whose pages may answer. Built
/// from configuration only (never the request's Host, which the caller writes).
/// </summary>
public sealed class RelyingParty
{
    public RelyingParty(IOptions<PasskeyOptions> options, IOptions<PublicWebSettings> web, IOptions<CorsSettings> cors)
    {
        Id = PasskeyOptionsValidator.EffectiveRpId(options.Value, web.Value);
        // Browsers refuse an IP address as a relying party id; a derived one (the web app opened at an
        // address) leaves passkeys off rather than stopping an API that may not need them.
        Available = PasskeyOptionsValidator.IsHostName(Id);
        var webOrigin = Uri.TryCreate(web.Value.BaseUrl, UriKind.Absolute, out var url) ? [url.GetLeftPart(UriPartial.Authority)] : Array.Empty<string>();
        Origins = new HashSet<string>(cors.Value.OriginList().Concat(webOrigin), StringComparer.OrdinalIgnoreCase);
    }

    public string Id { get; }

    public bool Available { get; }

    /// <summary>The web origins (Gatehouse:Cors:Origins and the origin of Gatehouse:PublicWebUrl).</summary>
    public IReadOnlySet<string> Origins { get; }

    /// <summary>
    /// Whether a ceremony's client data came from one of the web app's pages: exactly one of its origins,
    /// and not from a frame of another site (crossOrigin), which could trick the user into answering.
    /// </summary>
    public bool IsAllowedOrigin(string? origin, bool crossOrigin) =>
        !crossOrigin && !string.IsNullOrEmpty(origin) && Origins.Contains(origin);
}

internal sealed class PasskeyOptionsValidator(IOptions<PublicWebSettings> web) : IValidateOptions<PasskeyOptions>
{
    public ValidateOptionsResult Validate(string? name, PasskeyOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.RpId))
        {
            return ValidateOptionsResult.Success;
        }
        var rpId = options.RpId.Trim();
        if (IPAddress.TryParse(rpId.Trim('[', ']'), out _))
        {
            return ValidateOptionsResult.Fail($"{PasskeyOptions.Section}:RpId is '{options.RpId}', an IP address: WebAuthn refuses IP addresses as relying party ids, so no passkey would work. Use the web app's host name, e.g. localhost or app.example.com, and open the web app by that name.");
        }
        if (!IsHostName(rpId))
        {
            return ValidateOptionsResult.Fail($"{PasskeyOptions.Section}:RpId is '{options.RpId}', which is not a host name. Use the web app's host name or a parent domain of it, in lower case with no scheme, port or path, e.g. app.example.com or example.com.");
        }
        // A web URL that is no URL is reported by its own validator (Email/PublicWebSettings.cs).
        if (!Uri.TryCreate(web.Value.BaseUrl, UriKind.Absolute, out var webUrl))
        {
            return ValidateOptionsResult.Success;
        }
        var webHost = webUrl.IdnHost;
        if (!IsSameOrParent(rpId, webHost))
        {
            return ValidateOptionsResult.Fail($"{PasskeyOptions.Section}:RpId is '{options.RpId}', but the web app is at {web.Value.BaseUrl} ({PublicWebSettings.Key}); browsers allow only its host '{webHost}' or a parent domain of it. Set RpId to '{webHost}' or leave it empty.");
        }
        return ValidateOptionsResult.Success;
    }

    /// <summary>The configured id, else the host of the web app's URL.</summary>
    internal static string EffectiveRpId(PasskeyOptions options, PublicWebSettings web) =>
        string.IsNullOrWhiteSpace(options.RpId)
            ? Uri.TryCreate(web.BaseUrl, UriKind.Absolute, out var url) ? url.IdnHost : ""
            : options.RpId.Trim();

    /// <summary>A DNS name in lower case (WebAuthn compares the id's hash, so case matters), never an IP address.</summary>
    internal static bool IsHostName(string value) =>
        Uri.CheckHostName(value) == UriHostNameType.Dns && !IPAddress.TryParse(value, out _)
        && value == value.ToLowerInvariant() && !value.EndsWith('.');

    private static bool IsSameOrParent(string rpId, string host) =>
        string.Equals(rpId, host, StringComparison.OrdinalIgnoreCase)
        || host.EndsWith("." + rpId, StringComparison.OrdinalIgnoreCase);
}
