using Gatehouse.Api.Accounts;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Data;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Mfa;

/// <summary>
/// Checks an authenticator-app code or a recovery code through Identity, for the steps that accept
/// one: finishing a pending sign-in and re-authenticating. Identity's providers and store do the work
/// (the Otp.NET provider with replay protection, hashed recovery codes); this only shapes the input
/// and does what a spent recovery code owes its owner.
/// </summary>
public sealed class SecondFactorChecks(UserManager<User> users, GatehouseDbContext db, AuditLog audit, SecurityNotices notices)
{
    // Longer input is no code of ours: refused before it reaches a provider or the store.
    private const int MaxCodeLength = 16;
    private const int MaxRecoveryCodeLength = 64;

    /// <summary>Whether <paramref name="code"/> is the user's current authenticator-app code (never for a user without one).</summary>
    public async Task<bool> VerifyCodeAsync(User user, string code)
    {
        // Apps show "123 456"; people paste it so.
        var normalized = string.Concat(code.Where(c => !char.IsWhiteSpace(c) && c != '-'));
        return user.TotpEnabled
            && normalized.Length is > 0 and <= MaxCodeLength
            && await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, normalized);
    }

    /// <summary>
    /// Spends one of the user's recovery codes. On success stages, in the caller's unit of work, the
    /// audit row and the notice to the owner (a verified address only), to be saved with the step the
    /// code allowed. Returns the user as stored now (a retry may have read it again), or null.
    /// </summary>
    public async Task<User?> RedeemRecoveryCodeAsync(User user, string code, HttpContext http, Guid? sessionId = null)
    {
        var normalized = code.Trim();
        if (normalized.Length is 0 or > MaxRecoveryCodeLength)
        {
            return null;
        }
        var result = await users.RedeemTwoFactorRecoveryCodeAsync(user, normalized);
        if (result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure)))
        {
            // A failed attempt touched the row meanwhile (the lockout count): start again from what is
            // stored, without the unsaved change to the codes that the failed save left tracked.
            db.ChangeTracker.Clear();
            if (await users.FindByIdAsync(user.Id.ToString()) is not { } fresh)
            {
                return null;
            }
            user = fresh;
            result = await users.RedeemTwoFactorRecoveryCodeAsync(user, normalized);
        }
        if (!result.Succeeded)
        {
            return null;
        }
        audit.Add(http, AuditEvents.RecoveryCodeUsed, AuditEvents.Success, user.Id, sessionId);
        notices.RecoveryCodeUsed(user, await users.CountRecoveryCodesAsync(user));
        return user;
    }
}
