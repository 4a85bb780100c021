using System.Net.Mail;
using Gatehouse.Api.Auth;

namespace Gatehouse.Api.Users;

/// <summary>Usernames: 3–64 ASCII letters, digits, '.', '_' or '-'; unique regardless of case.</summary>
public static class UsernameRules
{
    public const int MinLength = 3;
    public const int MaxLength = 64;

    // ASCII only: look-alike letters from other scripts would let "jоhn" pose as "john".
    public const string AllowedCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

    public static IEnumerable<AuthError> Check(string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            yield return AuthErrors.UsernameRequired;
        }
        else if (username.Length is < MinLength or > MaxLength)
        {
            yield return AuthErrors.UsernameLength;
        }
        else if (username.Any(c => !AllowedCharacters.Contains(c, StringComparison.Ordinal)))
        {
            yield return AuthErrors.UsernameCharacters;
        }
    }

    /// <summary>
    /// Whether a name the client sent can be looked up at all: PostgreSQL refuses NUL and unpaired
    /// surrogates in text, so such a name can belong to no account (and would fail as an outage).
    /// </summary>
    public static bool CanBeLookedUp(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '\0')
            {
                return false;
            }
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>Passwords: 8–128 characters, no composition rules, not among the most common.</summary>
public static class PasswordRules
{
    public const int MinLength = 8;
    public const int MaxLength = 128;

    public static IEnumerable<AuthError> Check(string? password, CommonPasswords common)
    {
        if (string.IsNullOrEmpty(password))
        {
            yield return AuthErrors.PasswordRequired;
        }
        else if (password.Length is < MinLength or > MaxLength)
        {
            yield return AuthErrors.PasswordLength;
        }
        else if (common.Contains(password))
        {
            yield return AuthErrors.PasswordCommon;
        }
    }
}

/// <summary>Email is optional; when given it must be one plain address.</summary>
public static class EmailRules
{
    public const int MaxLength = 254;

    public static IEnumerable<AuthError> Check(string? email)
    {
        if (email is null)
        {
            yield break;
        }
        // MailAddress also accepts "Name <a@b>" forms; requiring the round trip keeps only the bare address.
        var valid = email.Length <= MaxLength
            && MailAddress.TryCreate(email, out var address)
            && address.Address == email
            && address.Host.Contains('.', StringComparison.Ordinal);
        if (!valid)
        {
            yield return AuthErrors.EmailInvalid;
        }
    }
}
