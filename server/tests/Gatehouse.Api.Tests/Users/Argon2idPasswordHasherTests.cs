using System.Net;
using Gatehouse.Api.Data;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tests.Users;

public sealed class Argon2idPasswordHasherTests
{
    private static readonly User User = new();

    private static Argon2idPasswordHasher Hasher(int memoryKiB = 19456, int iterations = 2) =>
        new(Options.Create(new PasswordHashingOptions { MemoryKiB = memoryKiB, Iterations = iterations }));

    [Fact]
    public void A_hash_is_a_phc_string_carrying_owasp_parameters()
    {
        var hash = Hasher().HashPassword(User, "hunter2hunter2");

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash);
        Assert.Equal(6, hash.Split('$').Length);
    }

    [Fact]
    public void The_same_password_hashes_differently_each_time()
    {
        Assert.NotEqual(Hasher().HashPassword(User, "hunter2hunter2"), Hasher().HashPassword(User, "hunter2hunter2"));
    }

    [Fact]
    public void The_right_password_verifies_and_a_wrong_one_does_not()
    {
        var hasher = Hasher();
        var hash = hasher.HashPassword(User, "hunter2hunter2");

        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(User, hash, "hunter2hunter2"));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(User, hash, "hunter2hunter3"));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(User, hash, ""));
    }

    [Fact]
    public void A_hash_made_with_weaker_parameters_asks_to_be_rehashed()
    {
        var old = Hasher().HashPassword(User, "hunter2hunter2");

        var result = Hasher(memoryKiB: 32768, iterations: 3).VerifyHashedPassword(User, old, "hunter2hunter2");

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, result);
    }

    [Fact]
    public void An_identity_pbkdf2_hash_verifies_and_asks_to_be_rehashed()
    {
        var legacy = new PasswordHasher<User>().HashPassword(User, "hunter2hunter2");

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, Hasher().VerifyHashedPassword(User, legacy, "hunter2hunter2"));
        Assert.Equal(PasswordVerificationResult.Failed, Hasher().VerifyHashedPassword(User, legacy, "wrong-password"));
    }

    [Theory]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")] // salt and hash too short
    [InlineData("$argon2id$v=19$m=1,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // parameters below the floor
    [InlineData("$argon2id$v=19$m=19456,t=2,p=4$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // lanes libsodium lacks
    [InlineData("$argon2id$v=19$garbage")]
    [InlineData("")]
    public void A_malformed_hash_fails_closed(string stored)
    {
        Assert.Equal(PasswordVerificationResult.Failed, Hasher().VerifyHashedPassword(User, stored, "hunter2hunter2"));
    }

    [Fact]
    public async Task Signing_in_upgrades_a_hash_to_the_configured_parameters()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            var username = TestApi.NewUsername();
            using (var before = GatehouseFactory.OnDirectory(directory))
            {
                await before.CreateClient().RegisterAsync(username);
            }

            using var after = GatehouseFactory.OnDirectory(directory).With("Gatehouse:Passwords:MemoryKiB", "20480").With("Gatehouse:Passwords:Iterations", "3");
            Assert.Equal(HttpStatusCode.OK, (await after.CreateClient().LoginAsync(username)).StatusCode);

            using var scope = after.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<GatehouseDbContext>();
            var stored = await db.Users.Where(u => u.UserName == username).Select(u => u.PasswordHash).SingleAsync();
            Assert.StartsWith("$argon2id$v=19$m=20480,t=3,p=1$", stored);
            Assert.Equal(HttpStatusCode.OK, (await after.CreateClient().LoginAsync(username)).StatusCode);
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }
}
