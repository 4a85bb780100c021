using BenchmarkDotNet.Attributes;
using Gatehouse.Api.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Gatehouse.Benchmarks.Users;

/// <summary>
/// The Argon2id hash with its default cost (19 MiB, 2 passes): paid by every sign-up and password
/// change (HashPassword) and every sign-in, including one for an unknown user (VerifyHashedPassword).
/// </summary>
public class PasswordHashBenchmarks
{
    private const string Password = "correct horse battery staple";
    private readonly User _user = new();
    private Argon2idPasswordHasher _hasher = null!;
    private string _hash = "";

    [GlobalSetup]
    public void Setup()
    {
        _hasher = new Argon2idPasswordHasher(Options.Create(new PasswordHashingOptions()));
        _hash = _hasher.HashPassword(_user, Password);
    }

    [Benchmark]
    public string HashPassword() => _hasher.HashPassword(_user, Password);

    [Benchmark]
    public PasswordVerificationResult VerifyHashedPassword()
    {
        var result = _hasher.VerifyHashedPassword(_user, _hash, Password);
        return result == PasswordVerificationResult.Success ? result : throw new InvalidOperationException($"Verification gave {result}.");
    }
}
