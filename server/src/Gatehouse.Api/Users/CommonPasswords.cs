using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Users;

/// <summary>
/// The 10,000 most common passwords (zxcvbn's frequency list, MIT; see common-passwords.txt),
/// refused at sign-up as NIST SP 800-63B asks. Compared case-insensitively: "Password1" is as weak as "password1".
/// </summary>
public sealed class CommonPasswords
{
    private readonly HashSet<string> _passwords;

    public CommonPasswords()
    {
        using var stream = typeof(CommonPasswords).Assembly.GetManifestResourceStream("Gatehouse.Api.Users.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is missing from the build.");
        using var reader = new StreamReader(stream);
        _passwords = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                _passwords.Add(line);
            }
        }
    }

    public int Count => _passwords.Count;

    public bool Contains(string password) => _passwords.Contains(password);
}

/// <summary>Applies the Gatehouse password rules wherever Identity sets a password.</summary>
internal sealed class GatehousePasswordValidator(CommonPasswords common) : IPasswordValidator<User>
{
    public Task<IdentityResult> ValidateAsync(UserManager<User> manager, User user, string? password)
    {
        var errors = PasswordRules.Check(password, common)
            .Select(error => new IdentityError { Code = error.Code, Description = error.Message })
            .ToArray();
        return Task.FromResult(errors.Length == 0 ? IdentityResult.Success : IdentityResult.Failed(errors));
    }
}
