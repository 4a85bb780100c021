using System.Globalization;
using System.Net;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Admin;

/// <summary><c>--grant-role</c> and <c>--revoke-role</c>: in-process on the factory's services, and once as the built dll an operator runs.</summary>
public sealed class RoleCommandTests
{
    [Fact]
    public async Task Granting_admin_from_the_command_line_gives_the_user_the_role_and_audits_it_with_no_actor()
    {
        using var factory = new GatehouseFactory();
        var (username, _, _) = await factory.SignInAsync();

        var output = await factory.GrantRoleAsync(Roles.Admin, username);

        Assert.Contains($"Granted the role admin to {username}", output, StringComparison.Ordinal);
        var userId = await factory.UserIdAsync(username);
        Assert.Equal(["admin"], await factory.QueryAsync(db => UserProfiles.ReadRolesAsync(db, userId, CancellationToken.None)));
        var row = await factory.QueryAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.UserId == userId && e.Event == AuditEvents.RoleGranted));
        Assert.Equal(AuditEvents.Success, row.Outcome);
        Assert.Equal("admin", row.Detail);
        Assert.Null(row.ActorId);
        Assert.Null(row.IpAddress);
    }

    [Fact]
    public async Task A_role_that_does_not_exist_is_created_by_its_first_grant_and_a_second_grant_changes_nothing()
    {
        using var factory = new GatehouseFactory();
        var (username, _, _) = await factory.SignInAsync();

        await factory.GrantRoleAsync("support.tier-1", username);
        var again = await factory.GrantRoleAsync("support.tier-1", username);

        Assert.Contains("already has the role support.tier-1; nothing changed", again, StringComparison.Ordinal);
        Assert.Equal(1, await factory.QueryAsync(db => db.Roles.CountAsync(r => r.Name == "support.tier-1")));
        var userId = await factory.UserIdAsync(username);
        Assert.Equal(1, await factory.QueryAsync(db => db.AuditEvents.CountAsync(e => e.UserId == userId && e.Event == AuditEvents.RoleGranted)));
    }

    [Fact]
    public async Task Revoking_takes_the_role_away_and_is_audited_and_revoking_again_changes_nothing()
    {
        using var factory = new GatehouseFactory();
        var (username, _, _) = await factory.SignInAsync();
        await factory.GrantRoleAsync(Roles.Admin, username);

        var output = await factory.RevokeRoleAsync(Roles.Admin, username);
        var again = await factory.RevokeRoleAsync(Roles.Admin, username);

        Assert.Contains($"Revoked the role admin from {username}", output, StringComparison.Ordinal);
        Assert.Contains("does not have the role admin; nothing changed", again, StringComparison.Ordinal);
        var userId = await factory.UserIdAsync(username);
        Assert.Empty(await factory.QueryAsync(db => UserProfiles.ReadRolesAsync(db, userId, CancellationToken.None)));
        var row = await factory.QueryAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.UserId == userId && e.Event == AuditEvents.RoleRevoked));
        Assert.Equal("admin", row.Detail);
        Assert.Null(row.ActorId);
    }

    [Fact]
    public async Task The_user_may_be_named_by_address_and_in_any_case()
    {
        using var factory = new GatehouseFactory();
        var (username, _, _) = await factory.SignInAsync();

        await factory.GrantRoleAsync("auditor", TestApi.EmailFor(username).ToUpperInvariant());

        var userId = await factory.UserIdAsync(username);
        Assert.Equal(["auditor"], await factory.QueryAsync(db => UserProfiles.ReadRolesAsync(db, userId, CancellationToken.None)));
    }

    [Theory]
    [InlineData("Admin")]
    [InlineData("admin\nforged log line")]
    [InlineData("")]
    public async Task A_role_name_that_is_not_one_is_refused_without_being_repeated_and_nothing_changes(string role)
    {
        using var factory = new GatehouseFactory();
        var (username, _, _) = await factory.SignInAsync();
        var rolesBefore = await factory.QueryAsync(db => db.Roles.CountAsync());

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => factory.GrantRoleAsync(role, username));

        Assert.True(failure.Message.Contains("not a role name", StringComparison.Ordinal) || failure.Message.Contains("Name the role", StringComparison.Ordinal), failure.Message);
        Assert.DoesNotContain("forged", failure.Message, StringComparison.Ordinal);
        Assert.Equal(rolesBefore, await factory.QueryAsync(db => db.Roles.CountAsync()));
    }

    [Fact]
    public async Task An_unknown_user_is_refused_with_a_message_and_no_role_is_created()
    {
        using var factory = new GatehouseFactory();
        factory.CreateClient();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => factory.GrantRoleAsync("newrole", "nobody_at_all"));

        Assert.Contains("No account has the username or email given to --user", failure.Message, StringComparison.Ordinal);
        Assert.False(await factory.QueryAsync(db => db.Roles.AnyAsync(r => r.Name == "newrole")));
    }

    [Fact]
    public async Task The_built_command_grants_with_exit_code_0_and_an_unknown_user_exits_1_with_a_message_and_no_stack_trace()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            var username = TestApi.NewUsername();
            using (var factory = GatehouseFactory.OnDirectory(directory))
            {
                Assert.Equal(HttpStatusCode.Created, (await factory.CreateClient().RegisterAsync(username)).StatusCode);
            }
            var settings = Settings(directory);

            await using (var grant = ApiProcess.Start(directory, settings, "--grant-role", "admin", "--user", username))
            {
                Assert.True(await grant.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the command kept running:\n" + grant.Output);
                Assert.True(grant.ExitCode == 0, grant.Output);
                Assert.Contains($"Granted the role admin to {username}", grant.Output, StringComparison.Ordinal);
            }
            await using (var unknown = ApiProcess.Start(directory, settings, "--user", "nobody_at_all", "--grant-role", "admin"))
            {
                Assert.True(await unknown.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the command kept running:\n" + unknown.Output);
                Assert.True(unknown.ExitCode == 1, unknown.Output);
                Assert.Contains("--grant-role failed: No account has the username or email given to --user", unknown.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", unknown.Output, StringComparison.Ordinal);
            }
            using var after = GatehouseFactory.OnDirectory(directory);
            after.CreateClient();
            var userId = await after.UserIdAsync(username);
            Assert.Equal(["admin"], await after.QueryAsync(db => UserProfiles.ReadRolesAsync(db, userId, CancellationToken.None)));
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    /// <summary>A production deployment on the suite's database, as the operator's shell would give it.</summary>
    private static Dictionary<string, string?> Settings(string directory)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Gatehouse__Data__Directory"] = directory,
            ["Gatehouse__Tokens__KeyPassphrase"] = "correct-horse-battery-staple-42",
            ["Gatehouse__Mfa__EncryptionKey"] = GatehouseFactory.MfaEncryptionKey,
            ["PORT"] = ApiProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Gatehouse__Email__Enabled"] = "false",
        };
        foreach (var (key, value) in TestDatabase.EnvironmentFor(directory))
        {
            settings[key] = value;
        }
        return settings;
    }
}
