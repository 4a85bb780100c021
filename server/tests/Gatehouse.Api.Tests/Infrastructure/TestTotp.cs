using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// Authenticator-app codes for tests: turns TOTP on for a user through Identity (as the setup endpoints
/// end up doing) and computes codes with Otp.NET at the factory's fake clock, as an app would.
/// </summary>
public static class TestTotp
{
    /// <summary>Gives the user an authenticator key and turns TOTP on; returns the base32 key an app would scan.</summary>
    public static async Task<string> EnrollAsync(this GatehouseFactory factory, string username)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var user = await users.FindByNameAsync(username) ?? throw new InvalidOperationException($"No user {username}.");
        await users.ResetAuthenticatorKeyAsync(user);
        var key = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("No authenticator key.");
        user.TotpEnabled = true;
        user.TwoFactorEnabled = true;
        var result = await users.UpdateAsync(user);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        return key;
    }

    /// <summary>The code an authenticator app shows for <paramref name="key"/> at the factory's clock, <paramref name="steps"/> time steps away.</summary>
    public static string Code(this GatehouseFactory factory, string key, int steps = 0) =>
        new Totp(Base32Encoding.ToBytes(key)).ComputeTotp(factory.Time.GetUtcNow().UtcDateTime.AddSeconds(30 * steps));
}
