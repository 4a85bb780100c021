using System.Text.Json;
using System.Text.Json.Serialization;
using Gatehouse.Api.Users;

namespace Gatehouse.Api.Auth;

public sealed record RegisterRequest(string? Username, string? Password, string? Email);

public sealed record RegisterResponse(Guid UserId, string Username);

public sealed record LoginRequest(string? Username, string? Password);

/// <summary>The original design's login answer, kept so its clients keep working.</summary>
public sealed record LoginResponse(bool Success, string Message);

/// <summary>
/// A right password for an account with a second factor: no session yet. A short-lived cookie holds the
/// pending sign-in; <c>POST /auth/login/mfa</c> or a passkey finishes it. <see cref="Methods"/> lists the
/// factors the account can use: <c>totp</c>, <c>recovery_code</c>, <c>passkey</c>.
/// </summary>
public sealed record SecondFactorRequiredResponse(bool MfaRequired, IReadOnlyList<string> Methods);

public sealed record IsAuthenticatedResponse(bool Success);

/// <summary>What a signed-in user may see of their account: never the hash or lockout state.</summary>
public sealed record MeResponse(Guid UserId, string Username, string? Email, DateTimeOffset CreatedAt, bool EmailVerified, IReadOnlyList<string> Roles)
{
    public static MeResponse From(UserProfile profile) => new(profile.UserId, profile.Username, profile.Email, profile.CreatedAt, profile.EmailVerified, profile.Roles);
}

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>
/// Serializers generated at build time for the answers of the signed-in reads (<c>/auth/me</c>,
/// <c>/auth/is-authenticated</c>), the API's most frequent calls: they write straight to the
/// response instead of walking reflection metadata. Same options as the rest of the API (web
/// defaults), so the JSON is the same; every other type is still served by reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MeResponse))]
[JsonSerializable(typeof(IsAuthenticatedResponse))]
internal sealed partial class SignedInReadsJsonContext : JsonSerializerContext;
