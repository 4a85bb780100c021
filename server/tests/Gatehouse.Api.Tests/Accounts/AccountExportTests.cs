using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Tests.Passkeys;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Accounts;

/// <summary><c>GET /auth/account/export</c>: the owner's data as a download, and never a secret.</summary>
public sealed class AccountExportTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task The_export_is_a_json_attachment_of_the_owners_profile_sessions_factors_and_events_and_is_audited()
    {
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("export");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        var login = await client.LoginAsync(username);
        var sessionId = Tokens.TokenTests.Claim(TestApi.AccessTokenCookie(login)!.Value.ToString(), "sid");
        using var authenticator = new TestAuthenticator();
        await client.AddPasskeyAsync(authenticator, "Laptop");

        var response = await client.GetAsync("/auth/account/export");

        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("gatehouse-account.json", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(
            ["exportedAt", "profile", "roles", "sessions", "logins", "passkeys", "secondFactors", "auditEvents"],
            body.EnumerateObject().Select(p => p.Name).ToArray());
        var profile = body.GetProperty("profile");
        Assert.Equal((username, TestApi.EmailFor(username)), (profile.GetProperty("username").GetString(), profile.GetProperty("email").GetString()));
        Assert.False(profile.GetProperty("emailVerified").GetBoolean());
        Assert.Equal(factory.Time.GetUtcNow(), profile.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(factory.Time.GetUtcNow(), profile.GetProperty("lastSignInAt").GetDateTimeOffset());
        Assert.Empty(body.GetProperty("roles").EnumerateArray());
        Assert.Equal(sessionId, Assert.Single(body.GetProperty("sessions").EnumerateArray()).GetProperty("id").GetString());
        Assert.Empty(body.GetProperty("logins").EnumerateArray());
        var passkey = Assert.Single(body.GetProperty("passkeys").EnumerateArray());
        Assert.Equal(["name", "createdAt", "backedUp"], passkey.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("Laptop", passkey.GetProperty("name").GetString());
        Assert.False(body.GetProperty("secondFactors").GetProperty("totp").GetBoolean());
        Assert.Equal(10, body.GetProperty("secondFactors").GetProperty("recoveryCodesRemaining").GetInt32());
        var events = body.GetProperty("auditEvents").EnumerateArray().Select(e => e.GetProperty("event").GetString()).ToList();
        Assert.All([AuditEvents.PasskeyAdded, AuditEvents.SignIn, AuditEvents.Register], e => Assert.Contains(e, events));
        Assert.Equal(AuditEvents.Register, events[^1]); // newest first

        var userId = await factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).Select(u => u.Id).SingleAsync());
        Assert.True(await factory.QueryAsync(db => db.AuditEvents.AnyAsync(a =>
            a.UserId == userId && a.Event == AuditEvents.AccountExported && a.Outcome == AuditEvents.Success && a.SessionId == Guid.Parse(sessionId))));
    }

    [Fact]
    public async Task The_export_holds_no_hash_secret_token_key_or_code()
    {
        var client = factory.CreateClient();
        var username = TestApi.NewUsername("export");
        Assert.Equal(HttpStatusCode.Created, (await client.RegisterAsync(username)).StatusCode);
        var login = await client.LoginAsync(username);
        using var authenticator = new TestAuthenticator();
        var added = await client.AddPasskeyAsync(authenticator);
        var recoveryCodes = added.GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();
        var totpKey = await factory.EnrollAsync(username);

        var body = await (await client.GetAsync("/auth/account/export")).Content.ReadAsStringAsync();

        var user = await factory.QueryAsync(db => db.Users.SingleAsync(u => u.UserName == username));
        var stored = await factory.QueryAsync(db => db.Set<Microsoft.AspNetCore.Identity.IdentityUserToken<Guid>>()
            .Where(t => t.UserId == user.Id && t.Value != null && t.Value != "").Select(t => t.Value!).ToListAsync());
        var refreshHashes = await factory.QueryAsync(db => db.RefreshTokens.Where(t => db.Sessions.Any(s => s.Id == t.SessionId && s.UserId == user.Id)).Select(t => t.TokenHash).ToListAsync());
        string[] secrets =
        [
            TestApi.StrongPassword, user.PasswordHash!, user.SecurityStamp!, user.ConcurrencyStamp!, totpKey,
            TestApi.AccessTokenCookie(login)!.Value.ToString(), TestApi.RefreshTokenCookie(login)!.Value.ToString(),
            authenticator.Id, .. recoveryCodes, .. stored, .. refreshHashes.Select(Convert.ToBase64String), .. refreshHashes.Select(Convert.ToHexString),
        ];
        Assert.Equal(10, recoveryCodes.Count);
        Assert.NotEmpty(stored);
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, body, StringComparison.OrdinalIgnoreCase));
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("secondFactors").GetProperty("totp").GetBoolean());
    }

    [Fact]
    public async Task A_signed_out_caller_gets_401()
    {
        var problem = await (await factory.CreateClient().GetAsync("/auth/account/export")).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
    }
}
