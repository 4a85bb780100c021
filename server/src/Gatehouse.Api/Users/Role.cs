using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Users;

/// <summary>A role (Identity's roles table). The access token carries the user's roles as <c>role</c> claims.</summary>
public sealed class Role : IdentityRole<Guid>
{
    public Role()
    {
    }

    public Role(string name) : base(name)
    {
    }
}

/// <summary>The roles Gatehouse itself knows. Others may be granted for the apps built on it.</summary>
public static class Roles
{
    /// <summary>May use the admin API and console (<c>/admin</c>). Built in: the schema creates it.</summary>
    public const string Admin = "admin";

    /// <summary>The built-in admin role's fixed row (seeded by the migration, so every instance agrees on its id).</summary>
    public static readonly Guid AdminId = new("5b1f6a54-0c36-4d5e-9a2f-7d3c1e8b4a01");

    /// <summary>Lower-case letters, digits, '-', '_' and '.', 1–64 characters: safe in a claim, a URL and a log line.</summary>
    public const int MaxNameLength = 64;

    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.');
}
