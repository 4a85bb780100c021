using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tests.Infrastructure;

public static class StartupFailures
{
    /// <summary>
    /// Starts the app in memory and returns the options-validation failure that stopped it: the same
    /// exception, and message, that the real process prints before it exits.
    /// </summary>
    public static OptionsValidationException StartupFailure(this GatehouseFactory factory)
    {
        var exception = Record.Exception(() => factory.CreateClient());
        // WebApplicationFactory's deferred host can lose that race: the app's thread fails and disposes
        // its services before the factory asks them for the host, and the factory then reports only the
        // disposal (seen once in a full run). Starting again re-runs the app, which fails the same way.
        for (var retry = 0; retry < 3 && exception is ObjectDisposedException; retry++)
        {
            exception = Record.Exception(() => factory.CreateClient());
        }
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is OptionsValidationException validation)
            {
                return validation;
            }
        }
        throw new Xunit.Sdk.XunitException($"Expected start-up to fail options validation, got: {exception?.ToString() ?? "a running app"}");
    }
}
