using Gatehouse.Api.Data;
using Gatehouse.Api.Tokens;

namespace Gatehouse.Api.Hosting;

/// <summary>
/// One-shot commands that run with the server's settings instead of serving, for deployments:
/// <c>--migrate-only</c> applies pending migrations and exits; <c>--rotate-signing-key</c> adds the
/// next ES256 signing key (Tokens/SigningKeyCommands).
/// </summary>
public static class Commands
{
    public const string MigrateOnly = "--migrate-only";

    private static readonly string[] Known = [MigrateOnly, SigningKeyCommands.Rotate];

    /// <summary>Removes a command from the arguments (the rest are configuration) and returns it.</summary>
    public static string? Take(ref string[] args)
    {
        var command = args.FirstOrDefault(a => Known.Contains(a, StringComparer.Ordinal));
        if (command is not null)
        {
            args = args.Where(a => a != command).ToArray();
        }
        return command;
    }

    /// <summary>Runs the command; the exit code says whether it worked.</summary>
    public static async Task<int> RunCommandAsync(this WebApplication app, string command)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Commands));
        try
        {
            switch (command)
            {
                case MigrateOnly:
                    await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
                    break;
                case SigningKeyCommands.Rotate:
                    await SigningKeyCommands.RotateAsync(app.Services, Console.Out, CancellationToken.None);
                    break;
            }
            return 0;
        }
        catch (Exception exception) when (exception is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            LogFailed(logger, command, exception.Message);
            return 1;
        }
        finally
        {
            // The console logger writes from a queue of its own; disposing the app flushes it, so the
            // failure's message is printed before the process exits rather than lost.
            await app.DisposeAsync();
        }
    }

    private static void LogFailed(ILogger logger, string command, string message) =>
        logger.LogCritical("{Command} failed: {Message}", command, message);
}
