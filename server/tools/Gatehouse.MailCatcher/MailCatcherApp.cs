using System.Net;
using Microsoft.Extensions.Options;

namespace Gatehouse.MailCatcher;

public static class MailCatcherApp
{
    /// <summary>The catcher, configured from <paramref name="args"/> and the environment; not started.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddCommandLine(args, CatcherOptions.Switches);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed start (a port in use) is told in one line by Program.cs, not as a logged stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.AddOptions<CatcherOptions>().BindConfiguration(CatcherOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CatcherOptions>, CatcherOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<MailStore>();
        builder.Services.AddSingleton<SmtpReceiver>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<SmtpReceiver>());
        // Kestrel binds where the settings say, never where ASPNETCORE_URLS or HTTP_PORTS point.
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var settings = kestrel.ApplicationServices.GetRequiredService<IOptions<CatcherOptions>>().Value;
            if (IPAddress.TryParse(settings.Address, out var address))
            {
                kestrel.Listen(address, settings.HttpPort);
            }
        });
        // The page is short; a slow shutdown would hold up run.sh's Ctrl-C.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(3));

        var app = builder.Build();
        app.UseCatcherHeaders();
        app.MapCatcherApi();
        app.MapCatcherPages();
        return app;
    }

    /// <summary>The page's address once started, e.g. <c>http://127.0.0.1:3025</c>.</summary>
    public static string WebUrl(this WebApplication app) => app.Urls.First();

    /// <summary>Where SMTP is served once started.</summary>
    public static IPEndPoint SmtpEndpoint(this WebApplication app) =>
        app.Services.GetRequiredService<SmtpReceiver>().Endpoint ?? throw new InvalidOperationException("The catcher has not started.");
}
