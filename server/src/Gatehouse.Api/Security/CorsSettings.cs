using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Security;

/// <summary>Which browser origins may call the API with credentials.</summary>
public sealed class CorsSettings
{
    public const string Section = "Gatehouse:Cors";

    /// <summary>
    /// Comma-separated origins; <c>FRONTEND_URL</c> (the original design's variable) overrides it. Both
    /// loopback names by default: `next start` prints 127.0.0.1 and the docs say localhost.
    /// </summary>
    public string Origins { get; set; } = "http://localhost:3000,http://127.0.0.1:3000";

    public string[] OriginList() =>
        Origins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(origin => origin.TrimEnd('/'))
            .ToArray();
}

internal sealed class CorsSettingsValidator : IValidateOptions<CorsSettings>
{
    public ValidateOptionsResult Validate(string? name, CorsSettings options)
    {
        var failures = new List<string>();
        foreach (var origin in options.OriginList())
        {
            // A wildcard with credentials would let any site act as the signed-in user.
            var valid = Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
                && !origin.Contains('*');
            if (!valid)
            {
                failures.Add($"FRONTEND_URL / Gatehouse:Cors:Origins has '{origin}', which is not an origin. Use scheme://host[:port] with no path or wildcard, e.g. http://localhost:3000; separate several with commas.");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class CorsExtensions
{
    public static IServiceCollection AddGatehouseCors(this IServiceCollection services)
    {
        services.AddOptions<CorsSettings>()
            .BindConfiguration(CorsSettings.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (!string.IsNullOrWhiteSpace(configuration["FRONTEND_URL"]))
                {
                    options.Origins = configuration["FRONTEND_URL"]!;
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<CorsSettings>, CorsSettingsValidator>();

        services.AddCors();
        // Built from options at first use, so configuration given to the host (and tests) applies.
        services.AddOptions<CorsOptions>().Configure<IOptions<CorsSettings>>((cors, settings) =>
            cors.AddDefaultPolicy(policy => policy
                .WithOrigins(settings.Value.OriginList())
                .AllowCredentials()
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Patch, HttpMethods.Delete)
                .WithHeaders("Content-Type")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return services;
    }
}
