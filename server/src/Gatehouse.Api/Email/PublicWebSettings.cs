using Gatehouse.Api.Hosting;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Email;

/// <summary>
/// Where people open the web app: the only source of the links in Gatehouse's mails. Never the
/// request's <c>Host</c> or forwarded headers, which the caller writes: a reset link built from them
/// would send a victim's token to whatever host an attacker named.
/// </summary>
public sealed class PublicWebSettings
{
    public const string Key = "Gatehouse:PublicWebUrl";
    public const string Default = "http://localhost:3000";

    public string Url { get; set; } = Default;

    /// <summary>The web app's URL without a trailing slash, e.g. <c>https://app.example.com</c>.</summary>
    public string BaseUrl => Url.Trim().TrimEnd('/');

    /// <summary>A link to a page of the web app carrying a one-time token, e.g. <c>/auth/verify-email</c>.</summary>
    public string Link(string path, string token) => $"{BaseUrl}{path}?token={Uri.EscapeDataString(token)}";
}

internal sealed class PublicWebSettingsValidator : IValidateOptions<PublicWebSettings>
{
    public ValidateOptionsResult Validate(string? name, PublicWebSettings options)
    {
        return PublicApiSettingsValidator.IsPublicUrl(options.BaseUrl)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{PublicWebSettings.Key} is '{options.Url}', which is not the web app's URL. Use the one address people open the web app at, scheme://host[:port][/path] with no query, user or wildcard, e.g. https://app.example.com (environment: Gatehouse__PublicWebUrl). Mails' links are built from it.");
    }
}
