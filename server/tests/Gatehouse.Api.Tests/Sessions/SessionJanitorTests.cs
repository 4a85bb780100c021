using System.Net;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Sessions;

/// <summary>
/// Ended sessions and their refresh tokens are deleted a week after they end, live ones never;
/// audit events go after their retention.
/// </summary>
public sealed class SessionJanitorTests
{
    [Fact]
    public async Task Sessions_ended_more_than_a_week_ago_go_with_their_refresh_tokens()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:Sessions:RefreshLifetime", "1.00:00:00")
            .With("Gatehouse:Sessions:AbsoluteLifetime", "30.00:00:00");
        var (username, revokedAccess, revokedRefresh) = await factory.SignInAsync();
        var idle = await factory.LogInAsync(username);
        var (liveAccess, liveRefresh) = await factory.LogInAsync(username);
        Assert.Equal(HttpStatusCode.NoContent, (await factory.SendAsync(HttpMethod.Post, "/auth/logout", revokedAccess)).StatusCode);
        // The hourly background run fires as the fake clock moves; the explicit runs below make
        // sure a purge has happened at each check, whichever of the two did it.
        var janitor = factory.Services.GetRequiredService<SessionJanitor>();
        List<Guid> Remaining() => factory.Query(db => db.Sessions.AsNoTracking().Select(s => s.Id).ToList());

        // Day 6: the logged-out session ended 6 days ago, the idle one 5 days ago: both are kept.
        for (var day = 0; day < 6; day++)
        {
            factory.Time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromMinutes(1));
            liveRefresh = SessionApi.Tokens(await factory.RefreshAsync(liveRefresh)).Refresh; // stays in use
        }
        await janitor.PurgeAsync(CancellationToken.None);
        Assert.Equal(3, Remaining().Count);

        // A day and a half later the logged-out session is over a week gone; the idle one is not yet.
        factory.Time.Advance(TimeSpan.FromHours(20));
        liveRefresh = SessionApi.Tokens(await factory.RefreshAsync(liveRefresh)).Refresh;
        factory.Time.Advance(TimeSpan.FromHours(20));
        liveRefresh = SessionApi.Tokens(await factory.RefreshAsync(liveRefresh)).Refresh;

        await janitor.PurgeAsync(CancellationToken.None);

        var remaining = Remaining();
        Assert.DoesNotContain(Sid(revokedAccess), remaining);
        Assert.Contains(Sid(idle.Access), remaining);
        Assert.Contains(Sid(liveAccess), remaining);
        Assert.Equal(0, factory.Query(db => db.RefreshTokens.Count(t => t.SessionId == Sid(revokedAccess))));
        Assert.Equal(9, factory.Query(db => db.RefreshTokens.Count(t => t.SessionId == Sid(liveAccess)))); // every one kept for reuse detection
        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshAsync(liveRefresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(revokedRefresh)).StatusCode);
    }

    [Fact]
    public async Task The_janitor_runs_on_its_own_every_interval()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Sessions:PurgeInterval", "01:00:00");
        var (_, access, _) = await factory.SignInAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await factory.SendAsync(HttpMethod.Post, "/auth/logout", access)).StatusCode);

        factory.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromHours(1));

        // The timer fired on the advance; the purge itself runs in the background.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (factory.Query(db => db.Sessions.Any(s => s.Id == Sid(access))) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.False(factory.Query(db => db.Sessions.Any(s => s.Id == Sid(access))));
    }

    [Fact]
    public async Task Audit_events_are_kept_for_their_retention_and_then_deleted()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Audit:RetainFor", "30.00:00:00");
        var (username, _, _) = await factory.SignInAsync();
        factory.Time.Advance(TimeSpan.FromDays(20));
        await factory.LogInAsync(username);
        var janitor = factory.Services.GetRequiredService<SessionJanitor>();
        int Count() => factory.Query(db => db.AuditEvents.Count(a => a.UserId != null));
        var before = Count();

        // Day 29 after the first events: nothing is 30 days old yet.
        factory.Time.Advance(TimeSpan.FromDays(9));
        await janitor.PurgeAuditAsync(CancellationToken.None);
        Assert.Equal(before, Count());

        // Day 31: the first sign-up's and sign-in's events are past 30 days; the later sign-in's are not.
        factory.Time.Advance(TimeSpan.FromDays(2));
        await janitor.PurgeAuditAsync(CancellationToken.None);
        var remaining = factory.Query(db => db.AuditEvents.AsNoTracking().Where(a => a.UserId != null).Select(a => a.At).ToList());
        Assert.NotEmpty(remaining);
        Assert.True(remaining.Count < before);
        Assert.All(remaining, at => Assert.True(at >= factory.Time.GetUtcNow() - TimeSpan.FromDays(30)));
    }

    private static Guid Sid(string access) => Guid.Parse(new JsonWebToken(access).GetClaim("sid").Value);
}
