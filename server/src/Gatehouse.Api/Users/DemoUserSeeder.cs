using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Users;

public sealed class DemoUserOptions
{
    public const string Section = "Gatehouse";

    /// <summary>Creates john / password123 (the original design's user), with the verified address john@example.com and the admin role. True in appsettings.Development.json only.</summary>
    public bool SeedDemoUser { get; set; }
}

internal sealed partial class DemoUserSeeder(
    UserManager<User> users,
    IPasswordHasher<User> hasher,
    IOptions<DemoUserOptions> options,
    AuditLog audit,
    TimeProvider time,
    ILogger<DemoUserSeeder> logger)
{
    public const string Username = "john";
    public const string Password = "password123";
    public const string Email = "john@example.com";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.SeedDemoUser)
        {
            return;
        }
        if (await users.FindByNameAsync(Username) is { } existing)
        {
            await GiveAddressAsync(existing);
            await MakeAdminAsync(existing);
            return;
        }
        // Verified from the start: the demo shows a finished account, and signs in whatever RequireVerifiedEmail says.
        var user = new User { UserName = Username, Email = Email, EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
        // The demo password is itself one of the most common passwords, so it is set directly
        // instead of through the sign-up rules that would (rightly) refuse it.
        user.PasswordHash = hasher.HashPassword(user, Password);
        try
        {
            if ((await users.CreateAsync(user)).Succeeded)
            {
                LogSeeded(logger, Username);
                await MakeAdminAsync(user);
            }
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // Another instance starting on the same database seeded it first.
        }
    }

    /// <summary>A demo user seeded before addresses existed gets its verified address too (not one it already has).</summary>
    private async Task GiveAddressAsync(User user)
    {
        if (!string.IsNullOrEmpty(user.Email))
        {
            return;
        }
        // Set directly, not with SetEmailAsync: that would mark it unverified and renew the security stamp.
        user.Email = Email;
        user.EmailConfirmed = true;
        try
        {
            if ((await users.UpdateAsync(user)).Succeeded)
            {
                LogAddressGiven(logger, Username);
            }
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // Another account has the address; the demo user keeps working without one.
        }
    }

    /// <summary>
    /// The demo user is an admin, so a newcomer who starts Gatehouse in Development can open the admin
    /// console at once; also a demo user seeded before roles existed. Audited as the command line's grant is.
    /// </summary>
    private async Task MakeAdminAsync(User user)
    {
        if (await users.IsInRoleAsync(user, Roles.Admin))
        {
            return;
        }
        audit.Add(AuditClient.None, AuditEvents.RoleGranted, AuditEvents.Success, user.Id, detail: Roles.Admin);
        try
        {
            if ((await users.AddToRoleAsync(user, Roles.Admin)).Succeeded)
            {
                LogMadeAdmin(logger, Username);
            }
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // Another instance starting on the same database granted it first.
        }
    }

    [LoggerMessage(LogLevel.Information, "Gave the demo user {Username} the admin role")]
    private static partial void LogMadeAdmin(ILogger logger, string username);

    [LoggerMessage(LogLevel.Information, "Gave the demo user {Username} its verified address")]
    private static partial void LogAddressGiven(ILogger logger, string username);

    [LoggerMessage(LogLevel.Information, "Seeded the demo user {Username}")]
    private static partial void LogSeeded(ILogger logger, string username);
}
