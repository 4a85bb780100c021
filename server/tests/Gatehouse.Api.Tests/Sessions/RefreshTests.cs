using System.Net;
using System.Security.Cryptography;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tests.Infrastructure;
using System.Data.Common;
using Gatehouse.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Sessions;

/// <summary>Refresh-token rotation, the grace window and reuse detection.</summary>
public sealed class RefreshTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task Sign_in_sets_a_refresh_cookie_that_is_httponly_on_the_auth_path_for_14_days()
    {
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username);

        var login = await client.LoginAsync(username);

        var cookie = TestApi.RefreshTokenCookie(login)!;
        Assert.True(cookie.HttpOnly);
        Assert.Equal("/auth", cookie.Path.ToString());
        Assert.Equal(Microsoft.Net.Http.Headers.SameSiteMode.Lax, cookie.SameSite);
        Assert.Equal(factory.Time.GetUtcNow().AddDays(14), cookie.Expires);
        Assert.True(RefreshTokenValue.TryDecode(cookie.Value.ToString(), out var raw));
        Assert.Equal(32, raw.Length); // 256 random bits
    }

    [Fact]
    public async Task Refresh_rotates_both_tokens_and_the_new_pair_works()
    {
        var (_, access, refresh) = await factory.SignInAsync();

        var response = await factory.RefreshAsync(refresh);

        var body = await response.JsonAsync(HttpStatusCode.OK);
        var (newAccess, newRefresh) = SessionApi.Tokens(response);
        Assert.NotEqual(refresh, newRefresh);
        Assert.NotEqual(access, newAccess);
        Assert.Equal(new JsonWebToken(access).GetClaim("sid").Value, new JsonWebToken(newAccess).GetClaim("sid").Value);
        Assert.Equal(new JsonWebToken(newAccess).ValidTo, body.GetProperty("accessTokenExpiresAt").GetDateTimeOffset().UtcDateTime);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(newAccess));
        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshAsync(newRefresh)).StatusCode);
    }

    [Fact]
    public async Task A_refresh_reads_its_token_and_session_in_one_statement_and_writes_the_rotation()
    {
        using var own = new GatehouseFactory();
        var database = DatabaseActivity.On(own);
        var (_, _, refresh) = await own.SignInAsync();
        database.Reset();

        var response = await own.RefreshAsync(refresh);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var verbs = database.Statements.Select(sql => sql.TrimStart().Split(' ', '\n', '\r')[0].ToUpperInvariant()).ToList();
        var read = Assert.Single(database.Statements, sql => sql.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("RefreshTokens", read);
        Assert.Contains("Sessions", read);
        // Retire the token, insert its successor and the audit row, touch the session, clear the grandparent's sealed copy.
        Assert.Equal(3, verbs.Count(v => v == "UPDATE"));
        Assert.Contains("INSERT", verbs);
        Assert.Single(own.Query(db => db.AuditEvents.AsNoTracking().Where(e => e.Event == "refresh").ToList()));
    }

    [Fact]
    public async Task The_database_keeps_only_a_hash_of_each_refresh_token()
    {
        var (_, _, refresh) = await factory.SignInAsync();
        Assert.True(RefreshTokenValue.TryDecode(refresh, out var raw));

        var stored = factory.Query(db => db.RefreshTokens.AsNoTracking().Where(t => t.TokenHash == SHA256.HashData(raw)).ToList());

        var row = Assert.Single(stored);
        Assert.Null(row.SuccessorSealed);
        // No column holds the value itself.
        var everything = factory.Query(db => db.RefreshTokens.AsNoTracking().Select(t => new { t.TokenHash, t.SuccessorSealed }).ToList())
            .Select(t => Convert.ToHexString(t.TokenHash) + " " + Convert.ToHexString(t.SuccessorSealed ?? []));
        Assert.DoesNotContain(everything, v => v.Contains(Convert.ToHexString(raw), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_retired_token_within_the_grace_window_gets_the_same_successor()
    {
        var (_, _, first) = await factory.SignInAsync();
        var (_, second) = SessionApi.Tokens(await factory.RefreshAsync(first));

        factory.Time.Advance(TimeSpan.FromSeconds(29));
        var again = await factory.RefreshAsync(first);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var (graceAccess, graceRefresh) = SessionApi.Tokens(again);
        Assert.Equal(second, graceRefresh);
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(graceAccess));
        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshAsync(second)).StatusCode);
    }

    [Fact]
    public async Task Reuse_after_the_grace_window_revokes_the_whole_session()
    {
        var (_, _, first) = await factory.SignInAsync();
        var rotated = await factory.RefreshAsync(first);
        var (access, second) = SessionApi.Tokens(rotated);

        factory.Time.Advance(TimeSpan.FromSeconds(30));
        var reuse = await factory.RefreshAsync(first);

        var problem = await reuse.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("refresh_invalid", problem.GetProperty("code").GetString());
        Assert.Equal("", TestApi.RefreshTokenCookie(reuse)!.Value.ToString()); // deleted
        // The thief and the owner are both signed out: the live refresh token and its access token die too.
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(second)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
    }

    [Fact]
    public async Task Within_the_window_only_the_immediate_predecessor_is_forgiven()
    {
        var (_, _, first) = await factory.SignInAsync();
        var (_, second) = SessionApi.Tokens(await factory.RefreshAsync(first));
        var (access, third) = SessionApi.Tokens(await factory.RefreshAsync(second));

        // The first token's successor has itself been exchanged: presenting it is reuse.
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(first)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(third)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
    }

    [Fact]
    public async Task Ten_parallel_refreshes_of_one_token_give_one_live_successor_and_no_logout()
    {
        // Every lookup of a token by its hash is held back, so all ten requests read the token as
        // unretired before any of them writes: the race is run, not left to chance.
        using var factory = new GatehouseFactory().WithServices(services =>
            services.AddSingleton<IInterceptor>(new SlowTokenLookups()));
        var (_, _, refresh) = await factory.SignInAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => factory.RefreshAsync(refresh))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var successors = responses.Select(r => SessionApi.Tokens(r).Refresh).Distinct().ToList();
        var successor = Assert.Single(successors);
        var sessionId = factory.SessionOf(refresh);
        var live = factory.Query(db => db.RefreshTokens.Where(t => t.SessionId == sessionId && t.RetiredAt == null).ToList());
        Assert.Single(live);
        Assert.Null(factory.Query(db => db.Sessions.Single(s => s.Id == sessionId).RevokedAt));
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(SessionApi.Tokens(response).Access));
        }
        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshAsync(successor)).StatusCode);
    }

    private sealed class SlowTokenLookups : DbCommandInterceptor
    {
        public override async ValueTask<DbDataReader> ReaderExecutedAsync(
            DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("FROM \"RefreshTokens\"") && command.CommandText.Contains("\"TokenHash\" = "))
            {
                await Task.Delay(200, cancellationToken);
            }
            return result;
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // the right shape, but never issued
    [InlineData("%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%")]
    public async Task A_missing_or_unknown_refresh_token_gets_a_401_problem(string? value)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/refresh");
        if (value is not null)
        {
            request.Headers.Add("Cookie", $"refresh_token={value}");
        }

        var response = await factory.Bare().SendAsync(request);

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("refresh_invalid", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Refresh_after_logout_is_refused()
    {
        var (_, access, refresh) = await factory.SignInAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await factory.SendAsync(HttpMethod.Post, "/auth/logout", access)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(refresh)).StatusCode);
    }

    [Fact]
    public async Task Logout_with_an_expired_access_token_still_ends_the_session_through_the_refresh_cookie()
    {
        // With the default cookie path: a browser sends the refresh cookie to /auth/logout, not just to /auth/refresh.
        var username = TestApi.NewUsername();
        await factory.Bare().RegisterAsync(username);
        var login = await factory.Bare().LoginAsync(username);
        var jar = new BrowserJar();
        jar.Store(login);
        factory.Time.Advance(TimeSpan.FromMinutes(11)); // the access token and its cookie are gone

        var request = new HttpRequestMessage(HttpMethod.Post, "/auth/logout");
        request.Headers.Add("Cookie", jar.HeaderFor("/auth/logout", expired: "access_token"));
        Assert.Equal(HttpStatusCode.NoContent, (await factory.Bare().SendAsync(request)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(TestApi.RefreshTokenCookie(login)!.Value.ToString())).StatusCode);
    }
}
