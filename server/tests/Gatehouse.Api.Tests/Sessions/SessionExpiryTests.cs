using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gatehouse.Api.Tests.Sessions;

/// <summary>Every lifetime on a fake clock: accepted one second before its deadline, refused at it.</summary>
public sealed class SessionExpiryTests
{
    private static GatehouseFactory Factory() => new GatehouseFactory()
        .With("Gatehouse:Tokens:ClockSkew", "00:00:00")
        .With("Gatehouse:Tokens:Lifetime", "00:10:00")
        .With("Gatehouse:Sessions:RefreshLifetime", "01:00:00")
        .With("Gatehouse:Sessions:AbsoluteLifetime", "02:00:00");

    [Fact]
    public async Task The_access_token_lives_ten_minutes()
    {
        using var factory = Factory();
        var (_, access, _) = await factory.SignInAsync();

        factory.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await factory.MeStatusAsync(access));

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
    }

    [Fact]
    public async Task An_unused_refresh_token_works_until_its_lifetime_and_not_at_it()
    {
        using var factory = Factory();
        var (username, _, _) = await factory.SignInAsync();
        var (_, early) = await factory.LogInAsync(username);
        var (_, late) = await factory.LogInAsync(username);

        factory.Time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshAsync(early)).StatusCode);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(late)).StatusCode);
    }

    [Fact]
    public async Task Each_refresh_slides_the_idle_deadline()
    {
        using var factory = Factory();
        var (_, _, refresh) = await factory.SignInAsync();

        factory.Time.Advance(TimeSpan.FromMinutes(50));
        var (_, next) = SessionApi.Tokens(await factory.RefreshAsync(refresh));
        // 50 minutes after the rotation: past the first token's deadline, within the new one's.
        factory.Time.Advance(TimeSpan.FromMinutes(50));

        Assert.Equal(HttpStatusCode.OK, (await factory.RefreshAsync(next)).StatusCode);
    }

    [Fact]
    public async Task No_refresh_carries_a_session_past_its_absolute_lifetime()
    {
        using var factory = Factory();
        var (_, _, refresh) = await factory.SignInAsync();
        var start = factory.Time.GetUtcNow();

        // Refresh every 50 minutes: the idle deadline never passes, the absolute one does.
        for (var i = 0; i < 2; i++)
        {
            factory.Time.Advance(TimeSpan.FromMinutes(50));
            refresh = SessionApi.Tokens(await factory.RefreshAsync(refresh)).Refresh;
        }
        factory.Time.SetUtcNow(start + TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        var last = await factory.RefreshAsync(refresh);
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        var (access, final) = SessionApi.Tokens(last);
        // Neither token outlives the session.
        Assert.Equal((start + TimeSpan.FromHours(2)).UtcDateTime, new JsonWebToken(access).ValidTo);
        Assert.Equal(start + TimeSpan.FromHours(2), TestApi.RefreshTokenCookie(last)!.Expires);

        factory.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.RefreshAsync(final)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await factory.MeStatusAsync(access));
    }
}
