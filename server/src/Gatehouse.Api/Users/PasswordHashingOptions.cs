using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Users;

/// <summary>Argon2id cost. Defaults are OWASP's minimum (19 MiB, 2 passes, 1 lane); raise them freely:
/// the parameters live in each stored hash and older hashes are upgraded at the next sign-in.</summary>
public sealed class PasswordHashingOptions
{
    public const string Section = "Gatehouse:Passwords";
    public const int MinMemoryKiB = 19 * 1024;
    public const int MinIterations = 2;

    public int MemoryKiB { get; set; } = MinMemoryKiB;
    public int Iterations { get; set; } = MinIterations;
}

internal sealed class PasswordHashingOptionsValidator : IValidateOptions<PasswordHashingOptions>
{
    public ValidateOptionsResult Validate(string? name, PasswordHashingOptions options)
    {
        var failures = new List<string>();
        if (options.MemoryKiB is < PasswordHashingOptions.MinMemoryKiB or > 4 * 1024 * 1024)
        {
            failures.Add($"Gatehouse:Passwords:MemoryKiB is {options.MemoryKiB}; OWASP's minimum for Argon2id is {PasswordHashingOptions.MinMemoryKiB} (19 MiB). Use a value from {PasswordHashingOptions.MinMemoryKiB} to 4194304.");
        }
        if (options.Iterations is < PasswordHashingOptions.MinIterations or > 100)
        {
            failures.Add($"Gatehouse:Passwords:Iterations is {options.Iterations}; OWASP's minimum for Argon2id at 19 MiB is {PasswordHashingOptions.MinIterations}. Use a value from 2 to 100.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
