using Gatehouse.Api.Auth;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Accounts;

/// <summary>
/// The name a person signs in with: their username or their email address, in the same field so the
/// original clients keep working. Usernames cannot contain '@' (UsernameRules, enforced by Identity's
/// AllowedUserNameCharacters on every account it creates), so a value with one is an address and is
/// looked up by address alone: one lookup either way, whatever exists.
/// </summary>
public static class SignInNames
{
    public static bool IsEmail(string name) => name.Contains('@', StringComparison.Ordinal);

    /// <summary>What is wrong with a name no account could have (the sign-up rules), reported on the <c>username</c> field.</summary>
    public static IEnumerable<AuthError> Check(string name) =>
        IsEmail(name) ? EmailRules.Check(name).Select(e => e with { Field = "username" }) : UsernameRules.Check(name);

    /// <summary>The name as the lookup compares it (Identity's normalizer for names or addresses).</summary>
    public static string Normalize(UserManager<User> users, string name) =>
        (IsEmail(name) ? users.NormalizeEmail(name) : users.NormalizeName(name)) ?? "";

    /// <summary>The account by username or address; null for none, or for a name no database can hold.</summary>
    public static async Task<User?> FindAsync(UserManager<User> users, string name)
    {
        if (!UsernameRules.CanBeLookedUp(name))
        {
            return null;
        }
        return IsEmail(name) ? await users.FindByEmailAsync(name) : await users.FindByNameAsync(name);
    }
}
