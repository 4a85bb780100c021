using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Gatehouse.Api.Tests.Auth;

/// <summary>
/// <c>/auth/me</c> from memory: the instance that signed the user in answers with no database work at
/// all; another instance reads the user's row once, then answers from memory too.
/// </summary>
public sealed class MeTests
{
    [Fact]
    public async Task Me_right_after_sign_in_reads_nothing_from_the_database()
    {
        using var factory = new GatehouseFactory();
        var database = DatabaseActivity.On(factory);
        var client = factory.CreateClient();
        var username = TestApi.NewUsername();
        await client.RegisterAsync(username, email: $"{username}@example.com");
        await client.LoginAsync(username);
        database.Reset();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await client.GetAsync("/auth/me"));
        }

        Assert.Equal(0, database.Contexts);
        Assert.Empty(database.Statements);
        foreach (var answer in answers)
        {
            await AssertIsStoredUserAsync(factory, answer, username);
        }
    }

    [Fact]
    public async Task Me_on_an_instance_that_has_not_seen_the_user_reads_the_row_once_then_answers_from_memory()
    {
        using var first = new GatehouseFactory();
        var (username, access, _) = await first.SignInAsync();
        using var second = GatehouseFactory.OnDirectory(first.DataDirectory);
        var database = DatabaseActivity.On(second);
        second.CreateClient();
        database.Reset();

        var cold = await second.SendAsync(HttpMethod.Get, "/auth/me", access);
        Assert.Single(database.Statements, s => s.Contains("AspNetUsers"));

        database.Reset();
        var warm = await second.SendAsync(HttpMethod.Get, "/auth/me", access);
        Assert.Equal(0, database.Contexts);
        Assert.Empty(database.Statements);

        await AssertIsStoredUserAsync(second, cold, username);
        await AssertIsStoredUserAsync(second, warm, username);
    }

    [Fact]
    public async Task Me_for_a_user_whose_row_is_gone_answers_401()
    {
        using var first = new GatehouseFactory();
        var (username, access, _) = await first.SignInAsync();
        // Another instance, whose memory does not hold the user; an operator deletes the account by hand.
        using var second = GatehouseFactory.OnDirectory(first.DataDirectory);
        await second.QueryAsync(db => db.Users.Where(u => u.UserName == username).ExecuteDeleteAsync());

        var response = await second.SendAsync(HttpMethod.Get, "/auth/me", access);

        await response.ProblemAsync(HttpStatusCode.Unauthorized);
    }

    /// <summary>The answer is the user's row as stored, field for field.</summary>
    private static async Task AssertIsStoredUserAsync(GatehouseFactory factory, HttpResponseMessage response, string username)
    {
        var body = await response.JsonAsync(HttpStatusCode.OK);
        var stored = await factory.QueryAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.UserName == username));
        Assert.Equal(stored.Id, body.GetProperty("userId").GetGuid());
        Assert.Equal(stored.UserName, body.GetProperty("username").GetString());
        Assert.Equal(stored.Email, body.GetProperty("email").GetString());
        Assert.Equal(stored.CreatedAt, body.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(stored.EmailConfirmed, body.GetProperty("emailVerified").GetBoolean());
    }
}
