using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Hosting;

/// <summary>
/// Where browsers and tools reach the API, for the two places that need the API's own address: the
/// CSRF check (its origin counts as allowed) and the OpenAPI document's <c>servers</c>. Taken from
/// configuration only: the request's <c>Host</c> header is written by the client, so an origin built
/// from it is whatever the caller wants it to be.
/// </summary>
public sealed class PublicApiSettings
{
    public const string Key = "Gatehouse:PublicApiUrl";

    /// <summary>
    /// The API's public URL, e.g. <c>https://api.example.com</c> (a path is kept for the OpenAPI
    /// servers, e.g. behind a proxy at <c>/api</c>). Empty (default): the document lists no server, so
    /// clients use the address they fetched it from, and only <c>FRONTEND_URL</c>'s origins pass the
    /// CSRF check, apart from Development's loopback addresses (see <see cref="OwnOrigins"/>).
    /// </summary>
    public string Url { get; set; } = "";

    /// <summary>Set in Development: the address the API's own /scalar page is opened at is known.</summary>
    internal int? DevelopmentPort { get; set; }

    public bool IsSet => !string.IsNullOrWhiteSpace(Url);

    /// <summary>The URL as the OpenAPI document lists it, without a trailing slash.</summary>
    public string ServerUrl => Url.Trim().TrimEnd('/');

    /// <summary>
    /// The origins that are the API's own. Unset in Development, both loopback names on the port the
    /// API listens on: Kestrel prints 127.0.0.1, the README says localhost, and /scalar works on either.
    /// </summary>
    public IReadOnlyList<string> OwnOrigins()
    {
        if (IsSet)
        {
            return [new Uri(ServerUrl).GetLeftPart(UriPartial.Authority)];
        }
        return DevelopmentPort is { } port ? [$"http://localhost:{port}", $"http://127.0.0.1:{port}"] : [];
    }
}

internal sealed class PublicApiSettingsValidator : IValidateOptions<PublicApiSettings>
{
    public ValidateOptionsResult Validate(string? name, PublicApiSettings options)
    {
        if (!options.IsSet)
        {
            return ValidateOptionsResult.Success;
        }
        return IsPublicUrl(options.ServerUrl)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{PublicApiSettings.Key} is '{options.Url}', which is not the API's URL. Use the one address browsers and tools reach the API at, scheme://host[:port][/path] with no query, user or wildcard, e.g. https://api.example.com (environment: Gatehouse__PublicApiUrl); or leave it unset.");
    }

    /// <summary>
    /// One public address: absolute http(s), no user, query, fragment, wildcard or list. Shared by
    /// the settings that name where people and tools reach Gatehouse (the API's, the web app's).
    /// </summary>
    internal static bool IsPublicUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && string.IsNullOrEmpty(uri.UserInfo) && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
        && !url.Contains('*') && !url.Contains(',');
}

public static class PublicApiExtensions
{
    public static IServiceCollection AddPublicApiUrl(this IServiceCollection services)
    {
        services.AddOptions<PublicApiSettings>()
            .Configure<IConfiguration, IHostEnvironment, IOptions<ListenOptions>>((options, configuration, environment, listen) =>
            {
                options.Url = configuration[PublicApiSettings.Key] ?? "";
                if (environment.IsDevelopment())
                {
                    options.DevelopmentPort = listen.Value.Port;
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublicApiSettings>, PublicApiSettingsValidator>();
        return services;
    }
}
