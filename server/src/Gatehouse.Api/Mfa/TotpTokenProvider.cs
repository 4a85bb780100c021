using Gatehouse.Api.Data;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace Gatehouse.Api.Mfa;

/// <summary>
/// Authenticator-app codes for Identity (<c>TokenOptions.DefaultAuthenticatorProvider</c>): RFC 6238
/// with SHA-1, 6 digits and 30-second steps, so every app works, computed and compared by Otp.NET on
/// the app's clock. A code is accepted one step either side of now, and each step at most once per
/// user on every instance: a step is taken only by a conditional update of <see cref="User.TotpLastStep"/>.
/// </summary>
public sealed class TotpTokenProvider(GatehouseDbContext db, TimeProvider time) : IUserTwoFactorTokenProvider<User>
{
    public const int Digits = 6;
    public const int StepSeconds = 30;

    /// <summary>One step back and one ahead: a code typed as it changes, and clocks a little apart (RFC 6238 §5.2).</summary>
    private static readonly VerificationWindow Window = new(previous: 1, future: 1);

    /// <summary>The app computes the codes; the server never sends one.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<User> manager, User user) => Task.FromResult(string.Empty);

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<User> manager, User user) =>
        user.TotpEnabled && !string.IsNullOrEmpty(await manager.GetAuthenticatorKeyAsync(user));

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<User> manager, User user)
    {
        if (Normalize(token) is not { } code || await manager.GetAuthenticatorKeyAsync(user) is not { Length: > 0 } key)
        {
            return false;
        }
        var totp = new Totp(Base32Encoding.ToBytes(key), step: StepSeconds, mode: OtpHashMode.Sha1, totpSize: Digits);
        if (!totp.VerifyTotp(time.GetUtcNow().UtcDateTime, code, out var step, Window))
        {
            return false;
        }
        return await TakeStepAsync(user, step);
    }

    /// <summary>
    /// Records <paramref name="step"/> as the user's last accepted one, if it is later than the last:
    /// one statement, so of two instances given the same code at once exactly one succeeds, and an older
    /// step after a newer one is refused. It renews the concurrency stamp too, so a write from an older
    /// read of the row cannot put an earlier step back.
    /// </summary>
    private async Task<bool> TakeStepAsync(User user, long step)
    {
        var stamp = Guid.NewGuid().ToString();
        var taken = await db.Users
            .Where(u => u.Id == user.Id && (u.TotpLastStep == null || u.TotpLastStep < step))
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.TotpLastStep, step).SetProperty(u => u.ConcurrencyStamp, stamp), CancellationToken.None) == 1;
        if (taken)
        {
            // The caller's copy of the row now says what the database says, so its next UpdateAsync
            // neither fails on the stamp nor writes the old step back.
            user.TotpLastStep = step;
            user.ConcurrencyStamp = stamp;
            var entry = db.Entry(user);
            if (entry.State != EntityState.Detached)
            {
                entry.Property(u => u.TotpLastStep).OriginalValue = step;
                entry.Property(u => u.ConcurrencyStamp).OriginalValue = stamp;
            }
        }
        return taken;
    }

    /// <summary>The code as typed, without spaces around or inside (apps show "123 456"); null unless exactly 6 digits.</summary>
    public static string? Normalize(string? token)
    {
        var code = token?.Replace(" ", "", StringComparison.Ordinal).Trim();
        return code is { Length: Digits } && code.All(char.IsAsciiDigit) ? code : null;
    }
}
