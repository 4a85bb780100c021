namespace Gatehouse.Api.Hosting;

/// <summary>
/// Keeps the environment of the original Nest.js design working: a <c>.env</c> file in the
/// working folder, and <c>ENVIRONMENT=DEV</c> for Development. Runs before the host is built
/// because the environment name is fixed at that point.
/// </summary>
public static class LegacyEnvironment
{
    public static void Apply()
    {
        var dotEnv = Path.Combine(Directory.GetCurrentDirectory(), ".env");
        if (File.Exists(dotEnv))
        {
            // NoClobber: a variable set in the real environment wins over the file.
            DotNetEnv.Env.NoClobber().Load(dotEnv);
        }

        var legacy = Environment.GetEnvironmentVariable("ENVIRONMENT");
        var explicitName = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT");
        if (explicitName is null && string.Equals(legacy, "DEV", StringComparison.OrdinalIgnoreCase))
        {
            Environment.SetEnvironmentVariable("ASPNETCORE_ENVIRONMENT", Environments.Development);
        }
    }
}
