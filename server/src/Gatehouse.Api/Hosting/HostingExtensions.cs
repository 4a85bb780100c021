using System.Net;
using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Hosting;

public static class HostingExtensions
{
    /// <summary>Kestrel binding, problem details for every error and the options every feature shares.</summary>
    public static WebApplicationBuilder AddGatehouseHosting(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        builder.AddGatehouseConsoleLogging();

        services.AddOptions<ListenOptions>()
            .BindConfiguration(ListenOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (int.TryParse(configuration["PORT"], out var port))
                {
                    options.Port = port;
                }
                else if (!string.IsNullOrWhiteSpace(configuration["PORT"]))
                {
                    options.Port = -1; // reported by the validator with the fix
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ListenOptions>, ListenOptionsValidator>();
        services.AddPublicApiUrl();

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestLimits.MaxBodyBytes;

            // An explicit --urls / ASPNETCORE_URLS wins; otherwise PORT on the configured address.
            if (string.IsNullOrEmpty(context.Configuration["urls"]))
            {
                var listen = kestrel.ApplicationServices.GetRequiredService<IOptions<ListenOptions>>().Value;
                kestrel.Listen(IPAddress.Parse(listen.Address), listen.Port);
            }
        });

        // Bad requests are answered with 400/415 problem details instead of thrown in Development.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);
        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.AllowTrailingCommas = false;
            // The hot signed-in reads first, from generated code; everything else by reflection as before.
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, SignedInReadsJsonContext.Default);
        });
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // The database is down or locked: say "try again", not "server error", and never its message.
            if (context.Exception.IsDatabaseUnavailable())
            {
                context.ProblemDetails.Title = "Service unavailable";
                context.ProblemDetails.Detail = "The service cannot reach its data right now. Try again shortly.";
                context.ProblemDetails.Extensions["code"] = "unavailable";
                context.HttpContext.Response.Headers.RetryAfter = "5";
            }
        });
        // After AddProblemDetails: the framework's own writer is asked first, and this one answers the rest.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonForAnyAccept>();
        return builder;
    }

    /// <summary>Every non-2xx response is problem+json, without a stack trace.</summary>
    public static WebApplication UseGatehouseErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                _ when exception.IsDatabaseUnavailable() => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            // A request the client got wrong (a body over the limit, one cut short) is answered with its 4xx
            // and is not an error of ours: an Error line with a stack trace per bad request would let anyone
            // flood the log and bury real faults. Everything else keeps its Error line.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
        });
        app.UseStatusCodePages();
        return app;
    }
}
