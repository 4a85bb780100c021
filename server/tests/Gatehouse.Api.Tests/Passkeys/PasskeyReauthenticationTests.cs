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
