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
