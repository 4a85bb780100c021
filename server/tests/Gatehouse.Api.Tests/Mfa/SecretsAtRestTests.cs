using System.Security.Cryptography;
using Gatehouse.Api.Mfa;
using Gatehouse.Api.Tests.Infrastructure;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace Gatehouse.Api.Tests.Mfa;

/// <summary>What the database holds of authenticator keys and recovery codes: neither in clear, and nothing without the key.</summary>
public sealed class SecretsAtRestTests
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Identity_uses_the_protecting_store_and_it_still_supports_passkeys()
    {
        using var factory = new GatehouseFactory();
        await using var scope = factory.Services.CreateAsyncScope();

        Assert.IsType<MfaUserStore>(scope.ServiceProvider.GetRequiredService<IUserStore<User>>());
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        Assert.True(users.SupportsUserPasskey);
        Assert.True(users.SupportsUserAuthenticatorKey);
        Assert.True(users.SupportsUserTwoFactorRecoveryCodes);
    }

    [Fact]
    public async Task The_stored_rows_hold_neither_the_authenticator_key_nor_any_recovery_code_in_clear()
    {
        using var factory = new GatehouseFactory();
        var (username, _, _) = await factory.SignInAsync();
        var key = await factory.EnrollAsync(username);
        var codes = await factory.WithUserAsync(username, async (users, user) => (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray());

        var stored = await factory.QueryAsync(db => db.UserTokens.AsNoTracking().Select(t => t.Value ?? "").ToListAsync());
        var all = string.Join("\n", stored);

        Assert.Equal(2, stored.Count(v => v.Length > 0));
        Assert.DoesNotContain(key, all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Convert.ToBase64String(Base32Encoding.ToBytes(key)), all, StringComparison.Ordinal);
        Assert.All(codes, code =>
        {
            Assert.DoesNotContain(code, all, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(code.Replace("-", "", StringComparison.Ordinal), all, StringComparison.OrdinalIgnoreCase);
        });
        // Each value names the key that made it, for a later rotation.
        var keyId = factory.Services.GetRequiredService<MfaSecrets>().KeyId;
        Assert.All(stored.Where(v => v.Length > 0), v => Assert.StartsWith(keyId + ":", v, StringComparison.Ordinal));
        Assert.Equal(10, stored.Single(v => v.Contains(';', StringComparison.Ordinal)).Split(';').Length);
    }

    [Fact]
    public async Task The_same_key_opens_what_it_sealed_after_a_restart()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            string username, key;
            string[] codes;
            using (var first = GatehouseFactory.OnDirectory(directory).With("Gatehouse:Mfa:EncryptionKey", KeyA))
            {
                (username, _, _) = await first.SignInAsync();
                key = await first.EnrollAsync(username);
                codes = await first.WithUserAsync(username, async (users, user) => (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray());
            }
            using var again = GatehouseFactory.OnDirectory(directory).With("Gatehouse:Mfa:EncryptionKey", KeyA);

            Assert.Equal(key, await again.WithUserAsync(username, (users, user) => users.GetAuthenticatorKeyAsync(user)));
            Assert.True(await again.VerifyCodeAsync(username, again.Code(key)));
            Assert.Equal(10, await again.RecoveryCodesLeftAsync(username));
            Assert.True(await again.RedeemAsync(username, codes[3]));
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    public async Task Another_encryption_key_can_read_neither_the_authenticator_key_nor_use_a_recovery_code()
    {
        var directory = GatehouseFactory.NewDataDirectory();
        try
        {
            string username, key;
            string[] codes;
            using (var first = GatehouseFactory.OnDirectory(directory).With("Gatehouse:Mfa:EncryptionKey", KeyA))
            {
                (username, _, _) = await first.SignInAsync();
                key = await first.EnrollAsync(username);
                codes = await first.WithUserAsync(username, async (users, user) => (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray());
            }
            using var other = GatehouseFactory.OnDirectory(directory).With("Gatehouse:Mfa:EncryptionKey", KeyB);

            Assert.Null(await other.WithUserAsync(username, (users, user) => users.GetAuthenticatorKeyAsync(user)));
            Assert.False(await other.VerifyCodeAsync(username, other.Code(key)));
            Assert.Equal(0, await other.RecoveryCodesLeftAsync(username));
            Assert.False(await other.RedeemAsync(username, codes[0]));
            // The operator is told why, without the value.
            Assert.Contains("does not open with Gatehouse:Mfa:EncryptionKey", other.Logs.All, StringComparison.Ordinal);
            Assert.DoesNotContain(key, other.Logs.All, StringComparison.Ordinal);
        }
        finally
        {
            GatehouseFactory.DeleteDataDirectory(directory);
        }
    }

    [Fact]
    public async Task A_sealed_key_copied_to_another_users_row_does_not_open()
    {
        using var factory = new GatehouseFactory();
        var (victim, _, _) = await factory.SignInAsync();
        var (attacker, _, _) = await factory.SignInAsync();
        await factory.EnrollAsync(victim);
        await factory.EnrollAsync(attacker);
        var victimId = await factory.WithUserAsync(victim, (_, user) => Task.FromResult(user.Id));
        var attackerId = await factory.WithUserAsync(attacker, (_, user) => Task.FromResult(user.Id));

        await factory.QueryAsync(async db =>
        {
            var sealedKey = await db.UserTokens.Where(t => t.UserId == victimId && t.Name == "AuthenticatorKey").Select(t => t.Value).SingleAsync();
            return await db.UserTokens.Where(t => t.UserId == attackerId && t.Name == "AuthenticatorKey").ExecuteUpdateAsync(s => s.SetProperty(t => t.Value, sealedKey));
        });

        Assert.Null(await factory.WithUserAsync(attacker, (users, user) => users.GetAuthenticatorKeyAsync(user)));
    }

    [Fact]
    public async Task A_recovery_code_is_single_use_and_typed_in_lower_case_still_counts()
    {
        using var factory = new GatehouseFactory();
        var (username, _, _) = await factory.SignInAsync();
        await factory.EnrollAsync(username);
        var codes = await factory.WithUserAsync(username, async (users, user) => (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray());

        Assert.True(await factory.RedeemAsync(username, " " + codes[0].ToLowerInvariant() + " "));
        Assert.False(await factory.RedeemAsync(username, codes[0]));
        Assert.Equal(9, await factory.RecoveryCodesLeftAsync(username));
        Assert.False(await factory.RedeemAsync(username, "ABCDE-FGHIJ"));
        Assert.Equal(9, await factory.RecoveryCodesLeftAsync(username));
    }

    [Fact]
    public async Task One_users_recovery_code_does_not_work_for_another()
    {
        using var factory = new GatehouseFactory();
        var (first, _, _) = await factory.SignInAsync();
        var (second, _, _) = await factory.SignInAsync();
        var codes = await factory.WithUserAsync(first, async (users, user) => (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray());
        await factory.WithUserAsync(second, async (users, user) => (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToArray());

        Assert.False(await factory.RedeemAsync(second, codes[0]));
        Assert.Equal(10, await factory.RecoveryCodesLeftAsync(second));
    }
}
