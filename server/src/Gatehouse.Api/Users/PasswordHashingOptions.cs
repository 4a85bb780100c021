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

    /// <summary>
    /// Hashes computed at once. Each takes MemoryKiB of memory, so without a bound a burst of
    /// sign-ins could exhaust memory. A request holds its slot for the hash only (its commits run
    /// outside it), so one per core keeps every core hashing; twice that measured no faster and
    /// peaked about 35 MiB higher on two cores (docs/performance.md).
    /// </summary>
    public int MaxConcurrent { get; set; } = Environment.ProcessorCount;

    /// <summary>Requests that wait for a hashing slot before the rest get 429.</summary>
    public int MaxQueued { get; set; } = 256;
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
        if (options.MaxConcurrent < 1)
        {
            failures.Add($"Gatehouse:Passwords:MaxConcurrent is {options.MaxConcurrent}; use 1 or more (default: the number of cores).");
        }
        if (options.MaxQueued < 0)
        {
            failures.Add($"Gatehouse:Passwords:MaxQueued is {options.MaxQueued}; use 0 or more (default: 256).");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
