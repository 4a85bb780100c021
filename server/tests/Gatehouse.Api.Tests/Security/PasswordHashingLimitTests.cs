using System.Net;
using Gatehouse.Api.Tests.Infrastructure;

namespace Gatehouse.Api.Tests.Security;

public sealed class PasswordHashingLimitTests
{
    [Fact]
    public async Task Sign_ins_beyond_the_hashing_limit_get_429_problem_with_retry_after()
    {
        using var factory = new GatehouseFactory()
            .With("Gatehouse:Passwords:MaxConcurrent", "1")
            .With("Gatehouse:Passwords:MaxQueued", "0");
        var client = factory.CreateClient();
        await client.LoginAsync("john", "password123"); // started and warm

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => factory.CreateClient().LoginAsync("john", "password123"))));

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var rejected = Assert.Single(responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).Take(1));
        var problem = await rejected.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("busy", problem.GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(1), rejected.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Within_the_limit_sign_ins_queue_instead_of_failing()
    {
        using var factory = new GatehouseFactory().With("Gatehouse:Passwords:MaxConcurrent", "1");
        factory.CreateClient(); // start the host once, before the parallel clients

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => factory.CreateClient().LoginAsync("john", "password123"))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
    }
}
