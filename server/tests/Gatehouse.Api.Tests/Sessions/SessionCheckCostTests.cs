using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Sessions;

/// <summary>
/// What the per-request session check costs the database: nothing while the session is in this
/// instance's cache, not even a DbContext; one read of the session row when it is not.
/// </summary>
public sealed class SessionCheckCostTests
{
    [Fact]
    public async Task A_request_whose_session_is_cached_makes_no_database_context_and_no_statement()
    {
        using var factory = new GatehouseFactory();
        var database = DatabaseActivity.On(factory);
        var (_, access, _) = await factory.SignInAsync();
        database.Reset();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await factory.SendAsync(HttpMethod.Get, "/auth/is-authenticated", access)).StatusCode);
        }

        Assert.Equal(0, database.Contexts);
        Assert.Empty(database.Statements);
    }

    [Fact]
    public async Task An_instance_that_has_not_seen_the_session_reads_it_once_then_answers_from_memory()
    {
        using var first = new GatehouseFactory();
        var (_, access, _) = await first.SignInAsync();
        using var second = GatehouseFactory.OnDirectory(first.DataDirectory);
        var database = DatabaseActivity.On(second);
        second.CreateClient();
        database.Reset();

        Assert.Equal(HttpStatusCode.OK, (await second.SendAsync(HttpMethod.Get, "/auth/is-authenticated", access)).StatusCode);
        var read = Assert.Single(database.Statements);
        Assert.Contains("Sessions", read);
        Assert.Equal(1, database.Contexts);

        database.Reset();
        Assert.Equal(HttpStatusCode.OK, (await second.SendAsync(HttpMethod.Get, "/auth/is-authenticated", access)).StatusCode);
        Assert.Equal(0, database.Contexts);
        Assert.Empty(database.Statements);
    }
}
