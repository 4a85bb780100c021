using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Gatehouse.Api.Passkeys;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Passkeys;

/// <summary>
/// The passkey branch of <c>POST /auth/reauthenticate</c>, through the service it calls
/// (<see cref="PasskeyCeremonies.VerifyReauthenticationAsync"/>), with the request's signed-in principal.
/// </summary>
public sealed class PasskeyReauthenticationTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task A_step_up_ceremony_verifies_once_for_its_own_session_and_users_passkey()
    {
        var client = factory.CreateClient();
        var (_, token) = await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator { Synced = true };
        await client.AddPasskeyAsync(authenticator);
        var (userId, sessionId) = Session(token);

        var (ceremonyId, options) = await client.OptionsAsync("/auth/passkeys/reauthenticate/options");
        var answer = authenticator.Get(options, userVerified: false);
        // Another session of the same user cannot use this session's ceremony.
        Assert.Equal(PasskeyVerificationOutcome.CeremonyInvalid, (await VerifyAsync(ceremonyId, answer, userId, Guid.NewGuid())).Outcome);

        var (secondId, secondOptions) = await client.OptionsAsync("/auth/passkeys/reauthenticate/options");
        var verified = await VerifyAsync(secondId, authenticator.Get(secondOptions, userVerified: false), userId, sessionId);
        Assert.Equal(PasskeyVerificationOutcome.Verified, verified.Outcome);
        Assert.Equal("swk", verified.Method);
        Assert.Equal(PasskeyVerificationOutcome.CeremonyInvalid, (await VerifyAsync(secondId, answer, userId, sessionId)).Outcome);

        using var stranger = new TestAuthenticator();
        var other = factory.CreateClient();
        await other.SignUpAndLogInAsync();
        await other.AddPasskeyAsync(stranger);
        var (thirdId, thirdOptions) = await client.OptionsAsync("/auth/passkeys/reauthenticate/options");
        Assert.Equal(PasskeyVerificationOutcome.Failed, (await VerifyAsync(thirdId, stranger.Get(thirdOptions), userId, sessionId)).Outcome);
    }

    [Fact]
    public async Task A_passkey_renews_a_stale_session_for_a_sensitive_change_and_a_wrong_answer_counts_toward_no_lockout()
    {
        await using var stepUp = new GatehouseFactory().With("Gatehouse:Security:ReauthWindow", "00:01:00");
        var client = stepUp.CreateClient();
        var (username, _) = await client.SignUpAndLogInAsync();
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator);
        stepUp.Time.Advance(TimeSpan.FromMinutes(2));
        await (await client.DeleteAsync($"/auth/passkeys/{authenticator.Id}")).ProblemAsync(System.Net.HttpStatusCode.Forbidden);

        using var stranger = new TestAuthenticator();
        var (wrongId, wrongOptions) = await client.OptionsAsync("/auth/passkeys/reauthenticate/options");
        var wrong = await client.PostAsJsonAsync("/auth/reauthenticate", new { passkey = new { ceremonyId = wrongId, credential = System.Text.Json.Nodes.JsonNode.Parse(stranger.Get(wrongOptions)) } });
        Assert.Equal("passkey_failed", (await wrong.ProblemAsync(System.Net.HttpStatusCode.Unauthorized)).GetProperty("code").GetString());
        Assert.Equal(0, await stepUp.QueryAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            db.Users.Where(u => u.UserName == username).Select(u => u.AccessFailedCount))));

        var (ceremonyId, options) = await client.OptionsAsync("/auth/passkeys/reauthenticate/options");
        var body = new { passkey = new { ceremonyId, credential = System.Text.Json.Nodes.JsonNode.Parse(authenticator.Get(options, userVerified: false)) } };
        var renewed = await (await client.PostAsJsonAsync("/auth/reauthenticate", body)).JsonAsync(System.Net.HttpStatusCode.OK);
        Assert.Contains("hwk", renewed.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        var replay = await client.PostAsJsonAsync("/auth/reauthenticate", body);
        Assert.Equal("ceremony_invalid", (await replay.ProblemAsync(System.Net.HttpStatusCode.BadRequest)).GetProperty("code").GetString());

        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await client.DeleteAsync($"/auth/passkeys/{authenticator.Id}")).StatusCode);
    }

    private async Task<PasskeyVerification> VerifyAsync(string ceremonyId, string credential, Guid userId, Guid sessionId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var http = new DefaultHttpContext
        {
            RequestServices = scope.ServiceProvider,
            User = new ClaimsPrincipal(new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()),
                new Claim(AccessTokenIssuer.SessionClaim, sessionId.ToString()),
            ], "test")),
        };
        return await scope.ServiceProvider.GetRequiredService<PasskeyCeremonies>().VerifyReauthenticationAsync(ceremonyId, credential, userId, http);
    }

    private static (Guid UserId, Guid SessionId) Session(string token)
    {
        var payload = JsonDocument.Parse(Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(token.Split('.')[1]))).RootElement;
        return (Guid.Parse(payload.GetProperty("sub").GetString()!), Guid.Parse(payload.GetProperty(AccessTokenIssuer.SessionClaim).GetString()!));
    }
}
