using System.Net;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.Api.Tests.Data;

/// <summary>Requests run on separate threads (Task.Run), so they really overlap inside the server.</summary>
public sealed class ConcurrencyTests(GatehouseFactory factory) : IClassFixture<GatehouseFactory>
{
    [Fact]
    public async Task A_SQLite_connection_waits_for_another_writer_instead_of_failing_busy_and_sleeping_150_ms()
    {
        if (TestDatabase.IsPostgres)
        {
            return; // PostgreSQL queues writers itself; the busy timeout is SQLite's.
        }
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
        await db.Database.OpenConnectionAsync();

        var timeout = await db.Database.SqlQueryRaw<long>("SELECT timeout AS Value FROM pragma_busy_timeout").SingleAsync();

        Assert.Equal(30_000, timeout);
    }

    [Fact]
    public async Task On_SQLite_a_write_turn_goes_to_the_next_writer_only_when_the_last_is_done_and_PostgreSQL_takes_none()
    {
        var turns = factory.Services.GetRequiredService<SqliteWriteTurns>();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();

        var first = await turns.TakeAsync(db);
        if (TestDatabase.IsPostgres)
        {
            Assert.Null(first); // PostgreSQL locks rows, not the database: writers need no turns
            return;
        }
        Assert.NotNull(first);
        var second = turns.TakeAsync(db).AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        first.Dispose();
        first.Dispose(); // a second release does not let two writers in at once
        using var next = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(next);
        var third = turns.TakeAsync(db).AsTask();
        await Task.Delay(50);
        Assert.False(third.IsCompleted);
        next.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(10)))!.Dispose();
    }

    [Fact]
    public async Task Eight_concurrent_refresh_chains_each_rotate_every_time()
    {
        var sessions = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => factory.SignInAsync()));

        var rotated = await Task.WhenAll(sessions.Select(session => Task.Run(async () =>
        {
            var refresh = session.Refresh;
            for (var i = 0; i < 5; i++)
            {
                var response = await factory.RefreshAsync(refresh);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                refresh = SessionApi.Tokens(response).Refresh;
            }
            return refresh;
        })));

        Assert.Equal(8, rotated.Distinct().Count());
    }

    [Fact]
    public async Task Fifty_concurrent_registrations_of_distinct_users_all_succeed()
    {
        var client = factory.CreateClient();
        var names = Enumerable.Range(0, 50).Select(i => TestApi.NewUsername($"many{i}")).ToList();

        var responses = await Task.WhenAll(names.Select(name => Task.Run(() => client.RegisterAsync(name))));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.Created, response.StatusCode));
        var logins = await Task.WhenAll(names.Take(5).Select(name => factory.CreateClient().LoginAsync(name)));
        Assert.All(logins, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
    }

    [Fact]
    public async Task Twenty_concurrent_registrations_of_one_name_give_exactly_one_201()
    {
        var client = factory.CreateClient();
        var name = TestApi.NewUsername("race");

        // Different letter cases too: they are one name.
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => client.RegisterAsync(i % 2 == 0 ? name : name.ToUpperInvariant()))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task Concurrent_registrations_of_one_email_give_exactly_one_201()
    {
        var client = factory.CreateClient();
        var email = $"{Guid.NewGuid():N}@example.com";

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            Task.Run(() => client.RegisterAsync(TestApi.NewUsername($"mail{i}"), email: email))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.Equal(9, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }
}
