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
