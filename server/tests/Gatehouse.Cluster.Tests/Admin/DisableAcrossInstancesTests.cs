using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Cluster.Tests.Infrastructure;
using Npgsql;

namespace Gatehouse.Cluster.Tests.Admin;

/// <summary>An administrator's action on one instance holds on every other at once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DisableAcrossInstancesTests(GatehouseCluster cluster)
{
    /// <summary>As for a logout (SessionsAcrossInstancesTests): the fan-out's deadline.</summary>
    private static readonly TimeSpan RevocationDeadline = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Disabling_a_user_on_A_refuses_their_access_token_on_B_within_one_second_and_their_sign_in_on_either()
    {
        using var admin = cluster.NewBrowser();
        await admin.SignUpAndLogInAsync(cluster.A.BaseUri, "admin");
        await GrantAdminAsync(admin.Username!);
        // Signed in again, so the access token carries the role (and the authentication is recent).
        Assert.True((await admin.LogInAsync(cluster.A.BaseUri)).StatusCode == HttpStatusCode.OK);
        using var user = cluster.NewBrowser();
        await user.SignUpAndLogInAsync(cluster.B.BaseUri);
        var me = await user.GetAsync(cluster.B.BaseUri, "/auth/me");
        var userId = (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("userId").GetGuid();
        // B has now checked the session, and may remember that it was live.
        Assert.Equal(HttpStatusCode.OK, (await user.MeAsync(cluster.B.BaseUri)).Status);

        var disable = await admin.PostAsync(cluster.A.BaseUri, $"/admin/users/{userId}/disable", new { });
        Assert.True(disable.StatusCode == HttpStatusCode.NoContent, await Browser.Describe(disable));

        var clock = Stopwatch.StartNew();
        while ((await user.MeAsync(cluster.B.BaseUri)).Status != HttpStatusCode.Unauthorized)
        {
            Assert.True(clock.Elapsed <= RevocationDeadline, $"B still accepted the disabled user's token {clock.ElapsedMilliseconds} ms after A disabled them");
            await Task.Delay(50);
        }
        foreach (var instance in new[] { cluster.A, cluster.B })
        {
            var login = await user.LogInAsync(instance.BaseUri);
            Assert.True(login.StatusCode == HttpStatusCode.Forbidden && (await Browser.Describe(login)).Contains("account_disabled", StringComparison.Ordinal),
                await Browser.Describe(login));
        }
    }

    /// <summary>The admin role, written in the cluster's database as the command line would.</summary>
    private async Task GrantAdminAsync(string username)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var grant = new NpgsqlCommand("""
            INSERT INTO "AspNetUserRoles" ("UserId", "RoleId")
            SELECT "Id", @role FROM "AspNetUsers" WHERE "UserName" = @name
            """, connection);
        grant.Parameters.AddWithValue("role", Gatehouse.Api.Users.Roles.AdminId);
        grant.Parameters.AddWithValue("name", username);
        Assert.Equal(1, await grant.ExecuteNonQueryAsync());
    }
}
