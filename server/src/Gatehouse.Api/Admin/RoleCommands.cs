using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Hosting;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Admin;

/// <summary>
/// <c>dotnet Gatehouse.Api.dll --grant-role &lt;role&gt; --user &lt;name&gt;</c> and <c>--revoke-role</c>
/// (see Hosting/Commands): how the first admin is made, with the server's settings and database, by
/// whoever may run the server. Each change is audited with no actor, which means the command line.
/// The user's next access token carries the change (docs/admin.md says when that is).
/// </summary>
public static class RoleCommands
{
    public const string Grant = "--grant-role";
    public const string Revoke = "--revoke-role";
    public const string User = "--user";

    /// <summary>
    /// Gives <paramref name="username"/> (a username or an address) the role, creating the role on its
    /// first grant. Granting a role the user has changes nothing. Throws
    /// <see cref="InvalidOperationException"/> with what to do when it cannot.
    /// </summary>
    internal static async Task GrantAsync(IServiceProvider services, string? role, string? username, TextWriter output, CancellationToken cancellationToken)
    {
        var name = CheckRole(role, Grant);
        await using var scope = services.CreateAsyncScope();
        var (users, user) = await FindUserAsync(scope.ServiceProvider, username, Grant, cancellationToken);
        await EnsureRoleAsync(scope.ServiceProvider.GetRequiredService<RoleManager<Role>>(), name);
        if (await users.IsInRoleAsync(user, name))
        {
            await output.WriteLineAsync($"{user.UserName} already has the role {name}; nothing changed.");
            return;
        }
        // Staged first, so that the role and its audit row are saved by the one SaveChanges AddToRoleAsync makes.
        scope.ServiceProvider.GetRequiredService<AuditLog>().Add(AuditClient.None, AuditEvents.RoleGranted, AuditEvents.Success, user.Id, detail: name);
        Check(await users.AddToRoleAsync(user, name), $"Could not grant {name} to {user.UserName}");
        await output.WriteLineAsync($"Granted the role {name} to {user.UserName}. It is in their next access token (within the access-token lifetime and a minute).");
    }

    /// <summary>Takes the role from the user; revoking a role the user lacks changes nothing.</summary>
    internal static async Task RevokeAsync(IServiceProvider services, string? role, string? username, TextWriter output, CancellationToken cancellationToken)
    {
        var name = CheckRole(role, Revoke);
        await using var scope = services.CreateAsyncScope();
        var (users, user) = await FindUserAsync(scope.ServiceProvider, username, Revoke, cancellationToken);
        if (!await users.IsInRoleAsync(user, name))
        {
            await output.WriteLineAsync($"{user.UserName} does not have the role {name}; nothing changed.");
            return;
        }
        scope.ServiceProvider.GetRequiredService<AuditLog>().Add(AuditClient.None, AuditEvents.RoleRevoked, AuditEvents.Success, user.Id, detail: name);
        Check(await users.RemoveFromRoleAsync(user, name), $"Could not revoke {name} from {user.UserName}");
        await output.WriteLineAsync($"Revoked the role {name} from {user.UserName}. Their next access token goes without it; a token issued before keeps it until it expires.");
        if (name == Roles.Admin && (await users.GetUsersInRoleAsync(Roles.Admin)).Count == 0)
        {
            // The API refuses to remove the last admin (409 last_admin); the command line is how one is made again, so it may.
            await output.WriteLineAsync($"No account has the role {Roles.Admin} now: grant it with {Grant} {Roles.Admin} {User} <name> to use the admin console.");
        }
    }

    private static string CheckRole(string? role, string command)
    {
        if (string.IsNullOrEmpty(role))
        {
            throw new InvalidOperationException($"Name the role: {command} <role> {User} <name>, e.g. {command} {Roles.Admin} {User} alice.");
        }
        if (!Roles.IsValidName(role))
        {
            // Not echoed: it is not a role name, and it may hold anything (a line break forging a log line).
            throw new InvalidOperationException(
                $"That is not a role name: use 1 to {Roles.MaxNameLength} lower-case letters, digits, '-', '_' or '.', e.g. {Roles.Admin}.");
        }
        return role;
    }

    private static async Task<(UserManager<User> Users, User User)> FindUserAsync(IServiceProvider services, string? username, string command, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(username))
        {
            throw new InvalidOperationException($"Name the account: {command} <role> {User} <username or email>.");
        }
        await Commands.EnsureSchemaCurrentAsync(services, cancellationToken);
        var users = services.GetRequiredService<UserManager<User>>();
        // Not echoed either, for the same reason as the role; the operator has it on their screen.
        return (users, await SignInNames.FindAsync(users, username)
            ?? throw new InvalidOperationException($"No account has the username or email given to {User}. Check it (usernames are not case-sensitive) and run the command again."));
    }

    /// <summary>The built-in admin role comes with the schema; any other is created by its first grant.</summary>
    private static async Task EnsureRoleAsync(RoleManager<Role> roles, string name)
    {
        if (await roles.RoleExistsAsync(name))
        {
            return;
        }
        try
        {
            Check(await roles.CreateAsync(new Role(name)), $"Could not create the role {name}");
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // Created at the same moment by another grant: it exists, which is all this needed.
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
