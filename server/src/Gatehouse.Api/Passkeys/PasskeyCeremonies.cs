using System.Text.Json;
using Gatehouse.Api.Data;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Passkeys;

/// <summary>What the browser needs to start a ceremony: its id (to send back) and the WebAuthn options.</summary>
public sealed record PasskeyCeremony(string CeremonyId, JsonElement Options);

/// <summary>How a step-up with a passkey ended; <see cref="Method"/> (hwk or swk) when it was right.</summary>
public sealed record PasskeyVerification(PasskeyVerificationOutcome Outcome, string? Method = null);

public enum PasskeyVerificationOutcome
{
    Verified,
    /// <summary>No live ceremony of this session by that id (unknown, expired, used, another session's).</summary>
    CeremonyInvalid,
    /// <summary>The authenticator's answer did not verify.</summary>
    Failed,
}

/// <summary>
/// The two variants of Identity's passkey options: one that requires user verification (a PIN or a
/// biometric on the authenticator), for passwordless sign-in, and one that prefers it, for adding a
/// passkey and for a passkey as the second factor or a step-up, where another proof stands beside it.
/// </summary>
public sealed class PasskeyHandlerOptions
{
    public PasskeyHandlerOptions(RelyingParty rp)
    {
        Verified = Options.Create(Make(rp, "required"));
        Preferred = Options.Create(Make(rp, "preferred"));
    }

    public IOptions<IdentityPasskeyOptions> Verified { get; }
    public IOptions<IdentityPasskeyOptions> Preferred { get; }

    private static IdentityPasskeyOptions Make(RelyingParty rp, string userVerification) => new()
    {
        // From configuration, never the request's Host (Identity's default), which the caller writes.
        ServerDomain = rp.Id,
        ValidateOrigin = context => ValueTask.FromResult(rp.IsAllowedOrigin(context.Origin, context.CrossOrigin)),
        UserVerificationRequirement = userVerification,
        // Discoverable credentials, so a passkey can sign in without a username first.
        ResidentKeyRequirement = "required",
        // No attestation: we trust no authenticator vendor over another, and "none" reveals no device model.
        AttestationConveyancePreference = "none",
        AuthenticatorTimeout = PasskeyCeremonies.Lifetime,
        ChallengeSize = 32,
    };
}

/// <summary>
/// WebAuthn ceremonies through ASP.NET Core Identity's <see cref="PasskeyHandler{TUser}"/> (it parses
/// and verifies every CBOR, COSE and signature byte; nothing here does). The state Identity needs back
/// stays on the server, in an <see cref="AuthChallenge"/> the browser names by a random ceremony id:
/// 5 minutes, single use (spent before the answer is checked, so a replay finds nothing), and for a
/// signed-in ceremony bound to its user and session.
/// </summary>
public sealed class PasskeyCeremonies(
    UserManager<User> users,
    AuthChallenges challenges,
    GatehouseDbContext db,
    PasskeyHandlerOptions handlerOptions)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private PasskeyHandler<User> Handler(bool requireVerification) =>
        new(users, requireVerification ? handlerOptions.Verified : handlerOptions.Preferred);

    /// <summary>Options to create a passkey for <paramref name="user"/> in session <paramref name="sessionId"/>.</summary>
    public async Task<PasskeyCeremony> BeginRegistrationAsync(User user, Guid sessionId, HttpContext http)
    {
        var entity = new PasskeyUserEntity { Id = user.Id.ToString(), Name = user.UserName!, DisplayName = user.UserName! };
        var result = await Handler(requireVerification: false).MakeCreationOptionsAsync(entity, http);
        var ceremonyId = challenges.Issue(AuthChallengeKinds.PasskeyRegistration,
            new AuthChallenges.Details(UserId: user.Id, SessionId: sessionId, SecurityStamp: user.SecurityStamp, State: result.AttestationState), Lifetime);
        await db.SaveChangesAsync(CancellationToken.None);
        return new PasskeyCeremony(ceremonyId, Parse(result.CreationOptionsJson));
    }

    /// <summary>
    /// Verifies the authenticator's answer to a registration ceremony of this user and session and
    /// returns the new passkey (not stored yet), or null, with the ceremony spent either way.
    /// </summary>
    public async Task<(bool CeremonyValid, UserPasskeyInfo? Passkey)> FinishRegistrationAsync(string? ceremonyId, string credentialJson, Guid userId, Guid sessionId, HttpContext http)
    {
        if (await challenges.FindAsync(AuthChallengeKinds.PasskeyRegistration, ceremonyId, CancellationToken.None) is not { } challenge
            || challenge.UserId != userId || challenge.SessionId != sessionId
            || !await challenges.ConsumeAsync(challenge, CancellationToken.None))
        {
            return (false, null);
        }
        var result = await Handler(requireVerification: false).PerformAttestationAsync(new PasskeyAttestationContext
        {
            HttpContext = http,
            CredentialJson = credentialJson,
            AttestationState = challenge.State,
        });
        // The state names the user it was made for; a mismatch could only be a bug, never a success.
        return result.Succeeded && result.UserEntity.Id == userId.ToString() ? (true, result.Passkey) : (true, null);
    }

    /// <summary>
    /// Options to assert a passkey: of <paramref name="user"/> when one is known (a pending sign-in,
    /// a step-up in <paramref name="sessionId"/>), else of whoever the authenticator knows (discoverable).
    /// </summary>
    public async Task<PasskeyCeremony> BeginAssertionAsync(User? user, bool requireVerification, Guid? sessionId, HttpContext http)
    {
        var result = await Handler(requireVerification).MakeRequestOptionsAsync(user, http);
        var ceremonyId = challenges.Issue(AuthChallengeKinds.PasskeyAssertion,
            new AuthChallenges.Details(UserId: user?.Id, SessionId: sessionId, SecurityStamp: user?.SecurityStamp, State: result.AssertionState), Lifetime);
        await db.SaveChangesAsync(CancellationToken.None);
        return new PasskeyCeremony(ceremonyId, Parse(result.RequestOptionsJson));
    }

    /// <summary>
    /// The live assertion ceremony <paramref name="ceremonyId"/> names, spent now (before the answer is
    /// checked: whatever the answer, it cannot be tried again). Null when unknown, expired, used, or of
    /// another session than <paramref name="sessionId"/> (null: a sign-in, which has none).
    /// </summary>
    public async Task<AuthChallenge?> TakeAssertionAsync(string? ceremonyId, Guid? sessionId)
    {
        if (await challenges.FindAsync(AuthChallengeKinds.PasskeyAssertion, ceremonyId, CancellationToken.None) is not { } challenge
            || challenge.SessionId != sessionId
            || !await challenges.ConsumeAsync(challenge, CancellationToken.None))
        {
            return null;
        }
        return challenge;
    }

    /// <summary>Identity's verification of the answer: signature, challenge, origin, RP id, flags, sign count.</summary>
    public Task<PasskeyAssertionResult<User>> VerifyAsync(AuthChallenge ceremony, string credentialJson, bool requireVerification, HttpContext http) =>
        Handler(requireVerification).PerformAssertionAsync(new PasskeyAssertionContext
        {
            HttpContext = http,
            CredentialJson = credentialJson,
            AssertionState = ceremony.State,
        });

    /// <summary>
    /// Stores what a verified assertion changed (sign count, backup state), so a cloned authenticator's
    /// older count is refused next time. Once more on a concurrency conflict (a failed sign-in elsewhere
    /// touched the user's row); a lost update then costs only that clone check, so it does not fail the sign-in.
    /// </summary>
    public async Task RecordUseAsync(User user, UserPasskeyInfo passkey)
    {
        var result = await users.AddOrUpdatePasskeyAsync(user, passkey);
        if (!result.Succeeded && result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
        {
            await db.Entry(user).ReloadAsync();
            await users.AddOrUpdatePasskeyAsync(user, passkey);
        }
    }

    /// <summary>
    /// A step-up with a passkey (<c>POST /auth/reauthenticate {"passkey": {...}}</c>): the answer to a
    /// ceremony of <c>POST /auth/passkeys/reauthenticate/options</c> from this very session, by one of
    /// <paramref name="userId"/>'s passkeys. On success the passkey's sign count is stored and the
    /// method (hwk or swk) is returned for the session's amr; the caller renews the session and audits.
    /// </summary>
    public async Task<PasskeyVerification> VerifyReauthenticationAsync(string? ceremonyId, string? credentialJson, Guid userId, HttpContext http)
    {
        if (!http.User.TryGetSession(out var sessionUserId, out var sessionId) || sessionUserId != userId
            || await TakeAssertionAsync(ceremonyId, sessionId) is not { } ceremony || ceremony.UserId != userId)
        {
            return new PasskeyVerification(PasskeyVerificationOutcome.CeremonyInvalid);
        }
        if (string.IsNullOrEmpty(credentialJson))
        {
            return new PasskeyVerification(PasskeyVerificationOutcome.Failed);
        }
        // The session already proved a first factor; the passkey's possession renews it, with or without UV.
        var result = await VerifyAsync(ceremony, credentialJson, requireVerification: false, http);
        if (!result.Succeeded || result.User.Id != userId)
        {
            return new PasskeyVerification(PasskeyVerificationOutcome.Failed);
        }
        await RecordUseAsync(result.User, result.Passkey);
        return new PasskeyVerification(PasskeyVerificationOutcome.Verified, MethodOf(result.Passkey));
    }

    /// <summary>RFC 8176: <c>swk</c> for a passkey that may be synced (backup eligible), <c>hwk</c> for one bound to its device.</summary>
    public static string MethodOf(UserPasskeyInfo passkey) => passkey.IsBackupEligible ? AuthMethods.SoftwareKey : AuthMethods.HardwareKey;

    /// <summary>Whether <paramref name="user"/> has a passkey other than <paramref name="except"/>.</summary>
    public Task<bool> HasOtherPasskeyAsync(Guid user, byte[] except) =>
        db.UserPasskeys.AnyAsync(p => p.UserId == user && p.CredentialId != except, CancellationToken.None);

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
