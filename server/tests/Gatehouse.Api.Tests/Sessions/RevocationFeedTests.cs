using System.Data.Common;
using System.Net;
using System.Text.Json;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Sessions;

/// <summary>
/// GET /auth/revocations: the sessions revoked lately, for the web app's pages, which check access
/// tokens themselves. Each test has its own app, so it sees only its own revocations and its own clock.
/// </summary>
public sealed class RevocationFeedTests
{
    [Fact]
    public async Task A_revoked_session_is_listed_to_a_caller_without_credentials()
    {
        using var factory = new GatehouseFactory();
        var (username, laptop, _) = await factory.SignInAsync();
        var (phone, _) = await factory.LogInAsync(username);

        Assert.Equal(HttpStatusCode.NoContent, (await factory.SendAsync(HttpMethod.Delete, $"/auth/sessions/{Sid(phone)}", laptop)).StatusCode);
        var feed = await FeedAsync(factory);

        Assert.Equal([Sid(phone)], Sessions(feed));
        Assert.True(feed.GetProperty("complete").GetBoolean());
        Assert.Equal(630, feed.GetProperty("retainSeconds").GetInt32()); // the token lifetime plus the skew
        Assert.Equal(
            (factory.Time.GetUtcNow() - RevocationFeed.Overlap).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            feed.GetProperty("cursor").GetString());
    }

    [Fact]
    public async Task A_cursor_lists_what_was_revoked_since_it_with_an_overlap_of_ten_seconds()
    {
        using var factory = new GatehouseFactory();
        var (_, first, _) = await factory.SignInAsync();
        var (_, second, _) = await factory.SignInAsync();

        await factory.SendAsync(HttpMethod.Post, "/auth/logout", first);
        var before = await FeedAsync(factory);
        factory.Time.Advance(TimeSpan.FromSeconds(11));
        await factory.SendAsync(HttpMethod.Post, "/auth/logout-all", second);
        var overlapping = await FeedAsync(factory, before.GetProperty("cursor").GetString());
        var after = await FeedAsync(factory, overlapping.GetProperty("cursor").GetString());

        Assert.Equal([Sid(first)], Sessions(before));
        // The cursor stays ten seconds behind, so a revocation that committed late is not missed; clients dedupe.
        Assert.Equal([Sid(first), Sid(second)], Sessions(overlapping));
        Assert.Equal([Sid(second)], Sessions(after));
    }

    [Fact]
    public async Task A_revocation_is_listed_until_its_last_token_has_expired_and_not_at_that_moment()
    {
        using var factory = new GatehouseFactory();
        var (_, access, _) = await factory.SignInAsync();
        await factory.SendAsync(HttpMethod.Post, "/auth/logout", access);
        var old = (await FeedAsync(factory)).GetProperty("cursor").GetString();
        var deadline = TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(30); // the default lifetime plus the skew

        factory.Time.Advance(deadline - TimeSpan.FromSeconds(1));
        Assert.Equal([Sid(access)], Sessions(await FeedAsync(factory)));

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(Sessions(await FeedAsync(factory)));
        Assert.Empty(Sessions(await FeedAsync(factory, old))); // an old cursor reaches no further back
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData(" 1764000000")]
    [InlineData("1764000000000")]
    [InlineData("1764000000.")]
    [InlineData("1764000000.not-an-id")]
    [InlineData(".0123456789abcdef0123456789abcdef")]
    public async Task A_bad_cursor_is_a_400_problem(string after)
    {
        using var factory = new GatehouseFactory();

        var response = await factory.Bare().GetAsync($"/auth/revocations?after={Uri.EscapeDataString(after)}");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("cursor_invalid", problem.GetProperty("codes").GetProperty("after")[0].GetString());
    }

    [Fact]
    public async Task More_revocations_than_one_answer_holds_come_in_pages_that_say_so()
    {
        using var factory = new GatehouseFactory();
        var now = factory.Time.GetUtcNow();
        var early = await RevokedAtAsync(factory, now.AddSeconds(-60), 700);
        var late = await RevokedAtAsync(factory, now.AddSeconds(-30), 800);

        var first = await FeedAsync(factory);
        var second = await FeedAsync(factory, first.GetProperty("cursor").GetString());

        Assert.False(first.GetProperty("complete").GetBoolean());
        Assert.Equal(RevocationFeed.MaxSessions, Sessions(first).Length);
        Assert.Subset(Sessions(first).ToHashSet(), early.ToHashSet()); // oldest first
        Assert.True(second.GetProperty("complete").GetBoolean());
        Assert.Equal(early.Concat(late).Order(), Sessions(first).Concat(Sessions(second)).Order());
    }

    [Fact]
    public async Task An_account_signed_out_everywhere_with_more_sessions_than_a_page_is_paged_through_with_a_cursor_that_advances()
    {
        // 2,500 sessions end in one second: paging whole seconds could never list that second, and
        // every caller's cursor stayed where it was with complete:false until it left the window.
        using var factory = new GatehouseFactory();
        var (_, access, _) = await factory.SignInAsync();
        var others = await LiveSessionsAsync(factory, Guid.Parse(new JsonWebToken(access).Subject), 2_500);
        Assert.Equal(HttpStatusCode.NoContent, (await factory.SendAsync(HttpMethod.Post, "/auth/logout-all", access)).StatusCode);
        factory.Time.Advance(RevocationFeed.Overlap + TimeSpan.FromSeconds(1)); // the second has settled

        var cursors = new List<string>();
        var listed = new List<string>();
        JsonElement answer;
        string? cursor = null;
        do
        {
            answer = await FeedAsync(factory, cursor);
            cursor = answer.GetProperty("cursor").GetString()!;
            Assert.DoesNotContain(cursor, cursors); // never the same place twice
            Assert.InRange(Sessions(answer).Length, 0, RevocationFeed.MaxSessions);
            cursors.Add(cursor);
            listed.AddRange(Sessions(answer));
        }
        while (!answer.GetProperty("complete").GetBoolean() && cursors.Count < 10);

        Assert.True(answer.GetProperty("complete").GetBoolean());
        Assert.Equal(3, cursors.Count);
        Assert.Equal(others.Append(Sid(access)).Order(), listed.Order()); // each exactly once
        Assert.Empty(Sessions(await FeedAsync(factory, cursor)));
    }

    [Fact]
    public async Task A_burst_bigger_than_a_page_in_the_last_seconds_is_listed_and_completes_once_those_seconds_settle()
    {
        using var factory = new GatehouseFactory();
        var burst = await RevokedAtAsync(factory, factory.Time.GetUtcNow(), RevocationFeed.MaxSessions + 200);

        var first = await FeedAsync(factory);
        factory.Time.Advance(RevocationFeed.Overlap + TimeSpan.FromSeconds(1));
        var second = await FeedAsync(factory, first.GetProperty("cursor").GetString());
        var third = await FeedAsync(factory, second.GetProperty("cursor").GetString());

        // A revocation may still commit into the last few seconds: those are never half-listed for good.
        Assert.False(first.GetProperty("complete").GetBoolean());
        Assert.Equal(RevocationFeed.MaxSessions, Sessions(first).Length);
        Assert.False(second.GetProperty("complete").GetBoolean());
        Assert.True(third.GetProperty("complete").GetBoolean());
        Assert.Equal(burst.Order(), Sessions(second).Concat(Sessions(third)).Order());
    }

    [Fact]
    public async Task Past_two_reads_at_a_time_and_a_queue_of_32_the_feed_answers_429_at_once()
    {
        // Every feed read waits at a gate, so the two permits stay taken while the others arrive.
        var gate = new FeedReadGate();
        using var factory = new GatehouseFactory().WithServices(services => services.AddSingleton<IInterceptor>(gate));
        var client = factory.Bare();

        var calls = Enumerable.Range(0, 40).Select(_ => client.GetAsync("/auth/revocations")).ToList();
        var refusedInTime = SpinWait.SpinUntil(() => calls.Count(c => c.IsCompleted) >= 6, TimeSpan.FromSeconds(30));
        var refused = calls.Where(c => c.IsCompleted).Select(c => c.Result).ToList();
        gate.Open();
        var answered = await Task.WhenAll(calls);

        Assert.True(refusedInTime);
        Assert.Equal(6, refused.Count);
        foreach (var response in refused)
        {
            var problem = await response.ProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.Equal("busy", problem.GetProperty("code").GetString());
            Assert.Contains("revocation feed", problem.GetProperty("detail").GetString());
            Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        }
        Assert.Equal(34, answered.Count(r => r.StatusCode == HttpStatusCode.OK));
    }

    private sealed class FeedReadGate : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _open.TrySetResult();

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            if (command.CommandText.Contains("\"RevokedAt\" >= "))
            {
                await _open.Task.WaitAsync(cancellationToken);
            }
            return result;
        }
    }

    private static async Task<JsonElement> FeedAsync(GatehouseFactory factory, string? after = null)
    {
        var path = after is null ? "/auth/revocations" : $"/auth/revocations?after={Uri.EscapeDataString(after)}";
        return await (await factory.Bare().GetAsync(path)).JsonAsync(HttpStatusCode.OK);
    }

    private static string[] Sessions(JsonElement feed) =>
        feed.GetProperty("sessions").EnumerateArray().Select(s => s.GetString()!).ToArray();

    private static string Sid(string access) => new JsonWebToken(access).GetClaim("sid").Value;

    /// <summary>Adds <paramref name="count"/> live sessions of the user straight to the database.</summary>
    private static async Task<string[]> LiveSessionsAsync(GatehouseFactory factory, Guid userId, int count)
    {
        var now = factory.Time.GetUtcNow();
        var sessions = Enumerable.Range(0, count).Select(_ => new Session
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            CreatedAt = now.AddMinutes(-5),
            LastUsedAt = now.AddMinutes(-5),
            ExpiresAt = now.AddDays(30),
            IdleExpiresAt = now.AddDays(14),
        }).ToList();
        await factory.QueryAsync(db =>
        {
            db.Sessions.AddRange(sessions);
            return db.SaveChangesAsync();
        });
        return sessions.Select(s => s.Id.ToString()).ToArray();
    }

    /// <summary>Adds <paramref name="count"/> sessions revoked at <paramref name="at"/> (whole seconds) straight to the database.</summary>
    private static async Task<string[]> RevokedAtAsync(GatehouseFactory factory, DateTimeOffset at, int count)
    {
        var (_, access, _) = await factory.SignInAsync();
        var userId = Guid.Parse(new JsonWebToken(access).Subject);
        var revokedAt = DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());
        var sessions = Enumerable.Range(0, count).Select(_ => new Session
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            CreatedAt = revokedAt.AddMinutes(-5),
            LastUsedAt = revokedAt.AddMinutes(-5),
            ExpiresAt = revokedAt.AddDays(30),
            IdleExpiresAt = revokedAt.AddDays(14),
            RevokedAt = revokedAt,
            RevokedReason = RevocationReasons.Logout,
        }).ToList();
        await factory.QueryAsync(db =>
        {
            db.Sessions.AddRange(sessions);
            return db.SaveChangesAsync();
        });
        return sessions.Select(s => s.Id.ToString()).ToArray();
    }
}
