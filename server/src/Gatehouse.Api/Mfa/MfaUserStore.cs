using Gatehouse.Api.Data;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace Gatehouse.Api.Mfa;

/// <summary>
/// Identity's EF user store (users, roles, claims, logins, tokens and passkeys, schema version 3) with its
/// second-factor secrets protected at rest: the authenticator key is kept sealed (AES-GCM) and the
/// recovery codes only as keyed hashes (see <see cref="MfaSecrets"/>). Everything else, and every
/// caller (UserManager), is Identity's own; only what reaches the AspNetUserTokens row changes.
/// </summary>
public sealed partial class MfaUserStore(GatehouseDbContext context, MfaSecrets secrets, ILogger<MfaUserStore> logger, IdentityErrorDescriber? describer = null)
    : UserStore<User, Role, GatehouseDbContext, Guid>(context, describer) // with roles: UserManager's role methods need IUserRoleStore
{
    // The rows Identity's own store uses, so the data stays where Identity looks for it.
    internal const string InternalLoginProvider = "[AspNetUserStore]";
    internal const string AuthenticatorKeyTokenName = "AuthenticatorKey";
    private const string RecoveryCodeTokenName = "RecoveryCodes";
    private const char CodeSeparator = ';';

    public override Task SetAuthenticatorKeyAsync(User user, string key, CancellationToken cancellationToken) =>
        SetTokenAsync(user, InternalLoginProvider, AuthenticatorKeyTokenName, secrets.Seal(user.Id, key), cancellationToken);

    public override async Task<string?> GetAuthenticatorKeyAsync(User user, CancellationToken cancellationToken)
    {
        var stored = await GetTokenAsync(user, InternalLoginProvider, AuthenticatorKeyTokenName, cancellationToken);
        if (stored is null)
        {
            return null;
        }
        if (!secrets.TryOpen(user.Id, stored, out var key))
        {
            // Another EncryptionKey (a misconfigured instance, or a rotation not done yet): no code can
            // be checked, so every code is refused; the operator learns why here, without the value.
            LogUnreadableKey(logger, user.Id, secrets.KeyId);
            return null;
        }
        return key;
    }

    public override Task ReplaceCodesAsync(User user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName,
            string.Join(CodeSeparator, recoveryCodes.Select(code => secrets.HashCode(user.Id, code))), cancellationToken);

    public override async Task<bool> RedeemCodeAsync(User user, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(code);
        var stored = await StoredCodesAsync(user, cancellationToken);
        // Every stored hash is compared, each in constant time, so the time taken says nothing of which matched.
        var matched = -1;
        for (var i = 0; i < stored.Count; i++)
        {
            if (secrets.Matches(user.Id, code, stored[i]) && matched < 0)
            {
                matched = i;
            }
        }
        if (matched < 0)
        {
            return false;
        }
        // Saved by the caller's UpdateAsync, whose concurrency stamp lets only one of two racing redemptions commit.
        stored.RemoveAt(matched);
        await SetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, string.Join(CodeSeparator, stored), cancellationToken);
        return true;
    }

    /// <summary>The codes usable now: hashes made under another key could never match, so they do not count.</summary>
    public override async Task<int> CountCodesAsync(User user, CancellationToken cancellationToken) =>
        (await StoredCodesAsync(user, cancellationToken)).Count(secrets.IsCurrent);

    private async Task<List<string>> StoredCodesAsync(User user, CancellationToken cancellationToken) =>
        (await GetTokenAsync(user, InternalLoginProvider, RecoveryCodeTokenName, cancellationToken) ?? "")
            .Split(CodeSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();

    [LoggerMessage(LogLevel.Error, "The authenticator key of user {UserId} does not open with Gatehouse:Mfa:EncryptionKey (key id {KeyId}); its codes are refused until the key it was sealed with is configured")]
    private static partial void LogUnreadableKey(ILogger logger, Guid userId, string keyId);
}
