using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Gatehouse.DevIdentityProvider;

/// <summary>
/// Gatehouse's local identity provider, FOR DEVELOPMENT AND TESTS ONLY (it signs anyone in without a
/// password): ./run.sh and the e2e suite point the API's "local" provider at it.
/// <c>dotnet Gatehouse.DevIdentityProvider.dll [--port 3030] [--client-id gatehouse] [--client-secret dev-secret]</c>
/// </summary>
// Not top-level statements: those make a public global Program, which would clash with the API's
// in Gatehouse.Api.Tests (WebApplicationFactory<Program>), which references this project.
internal static class DevIdentityProviderProgram
{
    public static async Task<int> Main(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(args, DevIdentityProviderOptions.Switches)
            .Build();
        DevIdentityProvider provider;
        try
        {
            var options = new DevIdentityProviderOptions();
            configuration.GetSection(DevIdentityProviderOptions.Section).Bind(options);
            provider = await DevIdentityProvider.StartAsync(options);
        }
        catch (Exception exception) when (exception is OptionsValidationException or IOException or SocketException or InvalidOperationException or FormatException)
        {
            // One line that says what to change, not a stack trace (a port in use, a bad setting).
            Console.Error.WriteLine($"identity provider: {exception.Message}");
            return 1;
        }
        await using (provider)
        {
            Console.WriteLine($"Local identity provider: {provider.Issuer} (client {provider.ClientId}; GitHub fake under {provider.Issuer}github/)");
            // SIGTERM and SIGINT (Ctrl-C) end this; the host stops and the program exits 0.
            await provider.WaitForShutdownAsync();
        }
        return 0;
    }
}
