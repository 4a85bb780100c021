using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Gatehouse.Api.Hosting;

public static class OpenApiExtensions
{
    public static IServiceCollection AddGatehouseOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(options => options.AddDocumentTransformer((document, context, _) =>
        {
            document.Info.Title = "Gatehouse API";
            document.Info.Description = "Sign-up, sign-in and sessions. Signed-in requests carry the httpOnly access_token cookie set by POST /auth/login.";
            // The framework lists the request's own Host here, which the caller writes: a forged Host would
            // become the server that clients, and code generated from the document, send credentials to.
            // The configured URL or none (then clients use the address they fetched the document from).
            var api = context.ApplicationServices.GetRequiredService<IOptions<PublicApiSettings>>().Value;
            document.Servers = api.IsSet ? [new OpenApiServer { Url = api.ServerUrl }] : [];
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary><c>/openapi/v1.json</c> always; the interactive page at <c>/scalar</c> in Development.</summary>
    public static WebApplication MapGatehouseOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }
        return app;
    }
}
