using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ResourceServer.Gatehouse;

namespace ResourceServer.Tests;

/// <summary>The sample resource server, in memory, trusting the Gatehouse at <paramref name="authority"/>.</summary>
public sealed class SampleServer(Uri authority) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Gatehouse:Authority", authority.AbsoluteUri);
        // Quick polls, so a revocation shows within a fraction of a second and a dead feed within two.
        builder.UseSetting("Gatehouse:PollInterval", "00:00:00.200");
        builder.UseSetting("Gatehouse:StaleAfter", "00:00:02");
    }

    /// <summary>Waits for the first complete answer of the revocation feed; until then every token is refused (503).</summary>
    public async Task WaitUntilFreshAsync()
    {
        var revocations = Services.GetRequiredService<RevocationList>();
        var deadline = Stopwatch.StartNew();
        while (!revocations.IsFresh)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "The revocation feed was not read within 10 s.");
            await Task.Delay(50);
        }
    }

    public async Task<HttpResponseMessage> GetWithTokenAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await CreateClient().SendAsync(request);
    }

    /// <summary>Sends the request every 100 ms until it answers <paramref name="status"/>; false if it never does in time.</summary>
    public async Task<bool> AnswersWithinAsync(string path, string token, HttpStatusCode status, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        do
        {
            if ((await GetWithTokenAsync(path, token)).StatusCode == status)
            {
                return true;
            }
            await Task.Delay(100);
        }
        while (deadline.Elapsed < within);
        return false;
    }

    /// <summary>An access token shaped like Gatehouse's, signed by <paramref name="key"/> under <paramref name="keyId"/>.</summary>
    public static string Mint(ECDsa key, string keyId, DateTime expires, string audience = "gatehouse", string[]? amr = null, params string[] roles)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["sid"] = Guid.NewGuid().ToString(),
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["preferred_username"] = "minted",
        };
        if (roles.Length > 0) claims["role"] = roles;
        if (amr is not null) claims["amr"] = amr;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "gatehouse",
            Audience = audience,
            IssuedAt = expires.AddMinutes(-10),
            NotBefore = expires.AddMinutes(-10),
            Expires = expires,
            TokenType = "at+jwt",
            Claims = claims,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.EcdsaSha256),
        });
    }
}
