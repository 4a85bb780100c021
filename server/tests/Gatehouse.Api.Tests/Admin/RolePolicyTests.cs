using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Admin;

/// <summary>The admin role's policy on <c>/admin</c>, and when a role change reaches the user's token.</summary>
public sealed class RolePolicyTests
{
    [Fact]
    public async Task An_admin_token_passes_admin_routes_a_token_without_the_role_gets_403_and_a_signed_out_caller_401()
    {
        using var factory = new GatehouseFactory();
        var (_, admin) = await factory.SignInAdminAsync();
        var (_, plain, _) = await factory.SignInAsync();

        var asAdmin = await factory.GetAsAsync("/admin/users", admin);
        var asUser = await factory.GetAsAsync("/admin/users", plain);
        var asUserDetail = await factory.GetAsAsync($"/admin/users/{Guid.NewGuid()}", plain);
        var signedOut = await factory.Bare().GetAsync("/admin/users");

        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        await asUser.ProblemAsync(HttpStatusCode.Forbidden);
        await asUserDetail.ProblemAsync(HttpStatusCode.Forbidden);
        await signedOut.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_access_token_carries_one_role_claim_per_role_and_me_lists_them()
    {
        using var factory = new GatehouseFactory();
        var (username, _, _) = await factory.SignInAsync();
        await factory.GrantRoleAsync(Roles.Admin, username);
        await factory.GrantRoleAsync("support", username);

        var (access, _) = await factory.LogInAsync(username);

        var claims = new JsonWebToken(access).Claims.Where(c => c.Type == "role").Select(c => c.Value).Order(StringComparer.Ordinal);
        Assert.Equal(["admin", "support"], claims);
        var me = await (await factory.GetAsAsync("/auth/me", access)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["admin", "support"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_role_granted_reaches_the_first_token_refreshed_after_the_profile_cache_ttl()
    {
        using var factory = new GatehouseFactory();
        var (username, access, refresh) = await factory.SignInAsync();
        await factory.GrantRoleAsync(Roles.Admin, username);

        // The token in hand was issued before the grant: it keeps its (empty) roles until it expires.
        await (await factory.GetAsAsync("/admin/users", access)).ProblemAsync(HttpStatusCode.Forbidden);
        // A refresh within the profile cache's minute still has the roles read at sign-in.
        factory.Time.Advance(UserProfiles.Ttl - TimeSpan.FromSeconds(1));
        var early = await factory.RefreshAsync(refresh);
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        (access, refresh) = SessionApi.Tokens(early);
        Assert.DoesNotContain(new JsonWebToken(access).Claims, c => c.Type == "role");

        // Past it, the next token is read afresh and carries the role.
        factory.Time.Advance(TimeSpan.FromSeconds(1));
        var late = await factory.RefreshAsync(refresh);
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        (access, _) = SessionApi.Tokens(late);

        Assert.Contains(new JsonWebToken(access).Claims, c => c.Type == "role" && c.Value == "admin");
        Assert.Equal(HttpStatusCode.OK, (await factory.GetAsAsync("/admin/users", access)).StatusCode);
        var me = await (await factory.GetAsAsync("/auth/me", access)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["admin"], me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_role_revoked_is_gone_from_the_first_token_refreshed_after_the_profile_cache_ttl()
    {
        using var factory = new GatehouseFactory();
        var username = TestApi.NewUsername("admin");
        Assert.Equal(HttpStatusCode.Created, (await factory.Bare().RegisterAsync(username)).StatusCode);
        await factory.GrantRoleAsync(Roles.Admin, username);
        var (_, refresh) = await factory.LogInAsync(username);

        await factory.RevokeRoleAsync(Roles.Admin, username);
        factory.Time.Advance(UserProfiles.Ttl);
        var refreshed = await factory.RefreshAsync(refresh);

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var (access, _) = SessionApi.Tokens(refreshed);
        Assert.DoesNotContain(new JsonWebToken(access).Claims, c => c.Type == "role");
        await (await factory.GetAsAsync("/admin/users", access)).ProblemAsync(HttpStatusCode.Forbidden);
    }
}
