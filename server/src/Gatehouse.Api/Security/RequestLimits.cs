using Microsoft.AspNetCore.Http.Features;

namespace Gatehouse.Api.Security;

public static class RequestLimits
{
    /// <summary>Auth bodies are a few hundred bytes; 16 KiB bounds what a client can make us parse and hash.</summary>
    public const long MaxBodyBytes = 16 * 1024;

    public static WebApplication UseRequestLimits(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            // Auth responses carry credentials or say who is signed in: never store them in a cache.
            // Endpoints that may be cached (the JWKS) set their own Cache-Control.
            context.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                if (string.IsNullOrEmpty(response.Headers.CacheControl))
                {
                    response.Headers.CacheControl = "no-store";
                }
                response.Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            }, context.Response);

            // A declared length over the limit is refused before any byte is read. Kestrel enforces
            // the same limit on chunked bodies as they are read (its MaxRequestBodySize).
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status413PayloadTooLarge,
                        Title = "Request body too large",
                        Detail = $"Request bodies are limited to {MaxBodyBytes / 1024} KiB.",
                    },
                });
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxBodyBytes;
            }
            await next(context);
        });
        return app;
    }
}
