using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Data;

/// <summary>
/// When the database stops answering, guarded routes, sign-in and refresh say 503, not 401 and not
/// 500; when it answers again, the same process serves again.
/// </summary>
public sealed class OutageTests
{
    [Fact]
    public async Task A_broken_database_gives_503_on_guarded_routes_and_ready_but_health_stays_up()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            string token;
            using (var before = GatehouseFactory.OnDirectory(directory))
            {
                (_, token) = await before.CreateClient().SignUpAndLogInAsync();
            }
            // A fresh instance has nothing cached, so its session check must ask the database.
            using var factory = GatehouseFactory.OnDirectory(directory);
            var client = factory.CreateClient(new() { HandleCookies = false });
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

            await TestDatabase.BreakAsync(directory);

            var me = await client.SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token));
            var problem = await me.ProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("unavailable", problem.GetProperty("code").GetString());
            Assert.NotNull(me.Headers.RetryAfter);

            var ready = await client.GetAsync("/health/ready");
            var readyProblem = await ready.ProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Unhealthy", readyProblem.GetProperty("checks").GetProperty("database").GetString());
            Assert.DoesNotContain("not a database", await ready.Content.ReadAsStringAsync());

            // Sign-in and refresh need the database too: 503 with Retry-After, not a 500.
            var login = await client.LoginAsync("john", "password123");
            Assert.Equal("unavailable", (await login.ProblemAsync(HttpStatusCode.ServiceUnavailable)).GetProperty("code").GetString());
            Assert.NotNull(login.Headers.RetryAfter);
            Assert.DoesNotContain("not a database", await login.Content.ReadAsStringAsync());
            var refresh = new HttpRequestMessage(HttpMethod.Post, "/auth/refresh");
            refresh.Headers.Add("Cookie", "refresh_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            await (await client.SendAsync(refresh)).ProblemAsync(HttpStatusCode.ServiceUnavailable);

            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
            var anonymousWithCookie = await client.SendAsync(TestApi.WithToken(HttpMethod.Get, "/health", token));
            Assert.Equal(HttpStatusCode.OK, anonymousWithCookie.StatusCode);

            // The database returns: the same process recovers without a restart.
            TestDatabase.Repair(directory);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(TestApi.WithToken(HttpMethod.Get, "/auth/me", token))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync("john", "password123")).StatusCode);
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }
}
