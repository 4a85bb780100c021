using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Accounts;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Mfa;

public sealed class MfaRequiredTests
{
    [Fact]
    public async Task With_mfa_required_a_user_without_a_factor_signs_in_but_may_only_set_one_up_until_they_have()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Mfa:Required", "true");
        var username = TestApi.NewUsername();
        var client = factory.CreateClient();
        await client.RegisterAsync(username);

        var login = await client.LoginAsync(username);

        // The original clients' answer, unchanged: the web asks GET /auth/mfa what is owed.
        Assert.Equal("{\"success\":true,\"message\":\"User logged in\"}", await login.Content.ReadAsStringAsync());
        foreach (var open in new[] { "/auth/me", "/auth/is-authenticated", "/auth/sessions", "/auth/config" })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(open)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await client.ReauthenticateAsync(new { password = TestApi.StrongPassword })).StatusCode);
        var change = new { currentPassword = TestApi.StrongPassword, newPassword = RecoveryApi.NewPassword };
        Assert.Equal("mfa_enrollment_required", await (await client.PostAsJsonAsync("/auth/password", change)).CodeOfAsync(HttpStatusCode.Forbidden));
        Assert.Equal("mfa_enrollment_required", await (await client.PostAsync("/AUTH/LOGOUT-ALL", null)).CodeOfAsync(HttpStatusCode.Forbidden));

        // Once a factor is set up (on any instance: a "no" is never remembered), the same session goes on.
        var key = await factory.EnrollAsync(username);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/auth/password", change)).StatusCode);

        // And the next sign-in needs it.
        var next = factory.CreateClient();
        Assert.True((await (await next.LoginAsync(username, RecoveryApi.NewPassword)).JsonAsync(HttpStatusCode.OK)).GetProperty("mfaRequired").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await next.CodeAsync(factory.Code(key))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await next.PostAsync("/auth/logout-all", null)).StatusCode);
    }

    [Fact]
    public async Task With_mfa_required_removing_the_last_factor_holds_the_session_back_at_once()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Mfa:Required", "true");
        var (client, _) = await factory.SignedInAsync();
        await factory.EnableTotpAsync(client);
        var guarded = () => client.PostAsJsonAsync("/auth/password", new { currentPassword = TestApi.StrongPassword, newPassword = TestApi.StrongPassword });
        // Past the gate (the enrolment is now remembered for this password-only session): the handler's own answer.
        Assert.Equal(HttpStatusCode.BadRequest, (await guarded()).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DisableAsync()).StatusCode);

        // Forgotten with the factor, not a minute later.
        Assert.Equal("mfa_enrollment_required", await (await guarded()).CodeOfAsync(HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task With_mfa_required_signing_out_still_works_without_a_factor()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Mfa:Required", "true");
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Without_mfa_required_a_user_without_a_factor_is_not_held_back()
    {
        using var factory = new GatehouseFactory();
        var client = factory.CreateClient();
        await client.SignUpAndLogInAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/auth/logout-all", null)).StatusCode);
    }
}
