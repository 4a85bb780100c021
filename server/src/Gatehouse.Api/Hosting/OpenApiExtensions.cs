using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Gatehouse.Api.Hosting;

public static class OpenApiExtensions
{
    public static IServiceCollection AddGatehouseOpenApi(this IServiceCollection services)
    {
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Gatehouse API";
            document.Info.Description = "Sign-up, sign-in and sessions. Signed-in requests carry the httpOnly access_token cookie set by POST /auth/login.";
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
