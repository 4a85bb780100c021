using Gatehouse.Api.Admin;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tokens;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Hosting;

/// <summary>A one-shot command and its values (<c>--grant-role admin --user alice</c>: Role admin, User alice).</summary>
public sealed record Command(string Name, string? Role = null, string? User = null);

/// <summary>
/// One-shot commands that run with the server's settings instead of serving, for deployments:
/// <c>--migrate-only</c> applies pending migrations and exits; <c>--rotate-signing-key</c> adds the
/// next ES256 signing key (Tokens/SigningKeyCommands); <c>--grant-role &lt;role&gt; --user &lt;name&gt;</c>
/// and <c>--revoke-role</c> change a user's roles (Admin/RoleCommands). Exit code 0: done (or nothing
/// to do); 1: it failed, and the log line says why and what to do.
/// </summary>
public static class Commands
{
    public const string MigrateOnly = "--migrate-only";

    private static readonly string[] Known = [MigrateOnly, SigningKeyCommands.Rotate, RoleCommands.Grant, RoleCommands.Revoke];

    /// <summary>Removes a command and its values from the arguments (the rest are configuration) and returns it.</summary>
    public static Command? Take(ref string[] args)
    {
        var at = Array.FindIndex(args, a => Known.Contains(a, StringComparer.Ordinal));
        if (at < 0)
        {
            return null;
        }
        var name = args[at];
        if (name is not (RoleCommands.Grant or RoleCommands.Revoke))
        {
            args = args.Where((_, i) => i != at).ToArray();
            return new Command(name);
        }
        // --grant-role <role> --user <name>, in either order; a missing value is reported when the command runs.
        var taken = new HashSet<int> { at };
        var role = ValueAfter(args, at, taken);
        var userAt = Array.IndexOf(args, RoleCommands.User);
        string? user = null;
        if (userAt >= 0)
        {
            taken.Add(userAt);
            user = ValueAfter(args, userAt, taken);
        }
        args = args.Where((_, i) => !taken.Contains(i)).ToArray();
        return new Command(name, role, user);
    }

    private static string? ValueAfter(string[] args, int at, HashSet<int> taken)
    {
        if (at + 1 >= args.Length || args[at + 1].StartsWith("--", StringComparison.Ordinal))
        {
            return null;
        }
        taken.Add(at + 1);
        return args[at + 1];
    }

    /// <summary>Runs the command; the exit code says whether it worked.</summary>
    public static async Task<int> RunCommandAsync(this WebApplication app, Command command)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Commands));
        try
        {
            switch (command.Name)
            {
                case MigrateOnly:
                    await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
                    break;
                case SigningKeyCommands.Rotate:
                    await SigningKeyCommands.RotateAsync(app.Services, Console.Out, CancellationToken.None);
                    break;
                case RoleCommands.Grant:
                    await RoleCommands.GrantAsync(app.Services, command.Role, command.User, Console.Out, CancellationToken.None);
                    break;
                case RoleCommands.Revoke:
                    await RoleCommands.RevokeAsync(app.Services, command.Role, command.User, Console.Out, CancellationToken.None);
                    break;
            }
            return 0;
        }
        catch (Exception exception) when (exception is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            LogFailed(logger, command.Name, exception.Message);
            return 1;
        }
        finally
        {
            // The console logger writes from a queue of its own; disposing the app flushes it, so the
            // failure's message is printed before the process exits rather than lost.
            await app.DisposeAsync();
        }
    }

    /// <summary>
    /// For a command that reads or writes rows: it changes no schema (that is --migrate-only's job, or the
    /// API's as it starts), so an unreachable or outdated database stops it with what to do.
    /// </summary>
    internal static async Task EnsureSchemaCurrentAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        List<string> pending;
        try
        {
            pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        }
        catch (Exception exception) when (exception.IsDatabaseUnavailable())
        {
            // The provider's message names the host or file, never the password.
            throw new InvalidOperationException(
                $"Cannot reach the database: {exception.Message} Check ConnectionStrings:Default (or Gatehouse:Data:Directory for the default SQLite file).", exception);
        }
        if (pending.Count > 0)
        {
            throw new InvalidOperationException(
                $"The database schema is {pending.Count} migration(s) behind. Run `dotnet Gatehouse.Api.dll {MigrateOnly}` with the same settings (or start the API once), then run this command again.");
        }
    }

    private static void LogFailed(ILogger logger, string command, string message) =>
        logger.LogCritical("{Command} failed: {Message}", command, message);
}
