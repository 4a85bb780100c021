using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Users;

/// <summary>
/// A hash of a random password, verified when a sign-in names no account (or a locked one).
/// Without it an unknown username would be answered in microseconds and a wrong password in
/// milliseconds, and the difference would tell an attacker which usernames exist.
/// </summary>
public sealed class DummyPassword(IPasswordHasher<User> hasher)
{
    private static readonly User Nobody = new();
    private readonly Lazy<string> _hash = new(() =>
        hasher.HashPassword(Nobody, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));

    /// <summary>Made at start-up, so that the first unknown-user sign-in does not cost two hashes.</summary>
    public void Prepare() => _ = _hash.Value;

    /// <summary>Costs what a real verification costs; the answer is always "no".</summary>
    public void Verify(string providedPassword) =>
        hasher.VerifyHashedPassword(Nobody, _hash.Value, providedPassword);
}
