using System.Net;

namespace Gatehouse.MailCatcher;

/// <summary>The JSON API the e2e suite reads mails through (web/e2e/support/mail.ts).</summary>
public static class CatcherApi
{
    public static void MapCatcherApi(this WebApplication app)
    {
        app.MapGet("/health", () => TypedResults.Text("ok"));

        var api = app.MapGroup("/api");
        // Newest first, as the page lists them; ?to= keeps those to one address.
        api.MapGet("/messages", (MailStore store, string? to) => TypedResults.Ok(store.List(to)));
        api.MapGet("/messages/{id}", IResult (MailStore store, string id) =>
            store.Find(id) is { } mail ? TypedResults.Ok(mail) : TypedResults.NotFound());
        // A browser on another site cannot send this: DELETE needs a CORS preflight, which is never allowed.
        // ?to= deletes only the mails to that address, so parallel e2e tests do not empty each other's.
        api.MapDelete("/messages", (MailStore store, string? to) =>
        {
            store.Clear(to);
            return TypedResults.NoContent();
        });
        api.MapGet("/changes", (MailStore store) => TypedResults.Ok(new { version = store.Version, count = store.List().Count }));
    }

    /// <summary>
    /// Headers on every answer, and, while the catcher listens on loopback only, a <c>Host</c> check:
    /// the mails hold live sign-in links, and a web page whose own name is re-pointed at 127.0.0.1
    /// (DNS rebinding) would otherwise read them as same-origin.
    /// </summary>
    public static void UseCatcherHeaders(this WebApplication app)
    {
        var loopbackOnly = IPAddress.IsLoopback(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CatcherOptions>>().Value.IPAddress);
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.CacheControl = "no-store";
            headers["Referrer-Policy"] = "no-referrer";
            if (loopbackOnly && !IsLoopbackName(context.Request.Host.Host))
            {
                context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                await context.Response.WriteAsync("The mail catcher answers only at localhost, 127.0.0.1 or [::1].");
                return;
            }
            await next(context);
        });
    }

    private static bool IsLoopbackName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host is "127.0.0.1" or "[::1]" or "::1";
}
