using Gatehouse.Api.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Users;

public sealed class DemoUserOptions
{
    public const string Section = "Gatehouse";

    /// <summary>Creates john / password123 (the original design's user). True in appsettings.Development.json only.</summary>
    public bool SeedDemoUser { get; set; }
}

internal sealed partial class DemoUserSeeder(
    UserManager<User> users,
    IPasswordHasher<User> hasher,
    IOptions<DemoUserOptions> options,
    TimeProvider time,
    ILogger<DemoUserSeeder> logger)
{
    public const string Username = "john";
    public const string Password = "password123";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.SeedDemoUser || await users.FindByNameAsync(Username) is not null)
        {
            return;
        }
        var user = new User { UserName = Username, CreatedAt = time.GetUtcNow() };
        // The demo password is itself one of the most common passwords, so it is set directly
        // instead of through the sign-up rules that would (rightly) refuse it.
        user.PasswordHash = hasher.HashPassword(user, Password);
        try
        {
            if ((await users.CreateAsync(user)).Succeeded)
            {
                LogSeeded(logger, Username);
            }
        }
        catch (DbUpdateException exception) when (exception.IsUniqueViolation())
        {
            // Another instance starting on the same database seeded it first.
        }
    }

    [LoggerMessage(LogLevel.Information, "Seeded the demo user {Username}")]
    private static partial void LogSeeded(ILogger logger, string username);
}
