using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// Gives test requests a client address. The in-memory test server leaves RemoteIpAddress null, so
/// without this every request would share one per-IP bucket and no address would reach the audit
/// log. The address comes from a test-only header, set ahead of every other middleware, just as
/// Kestrel sets it from the socket; the forwarded-headers middleware then sees it as the peer.
/// </summary>
public static class ClientAddresses
{
    public const string Header = "X-Test-Client-Ip";

    public static GatehouseFactory WithClientAddresses(this GatehouseFactory factory) =>
        factory.WithServices(services => services.AddSingleton<IStartupFilter, FromHeader>());

    /// <summary>A client whose requests come from <paramref name="address"/>.</summary>
    public static HttpClient CreateClientFrom(this GatehouseFactory factory, string address, bool handleCookies = true)
    {
        var client = factory.CreateClient(new() { HandleCookies = handleCookies, BaseAddress = new Uri(GatehouseFactory.Origin), AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(Header, address);
        return client;
    }

    private sealed class FromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[Header].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }
                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
