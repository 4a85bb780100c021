using Microsoft.AspNetCore.Identity;

namespace Gatehouse.Api.Users;

/// <summary>An account. Identity supplies the name, email, password hash and lockout columns.</summary>
public sealed class User : IdentityUser<Guid>
{
    public DateTimeOffset CreatedAt { get; set; }
}
