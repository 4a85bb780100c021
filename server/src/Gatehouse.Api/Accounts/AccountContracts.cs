using System.Text.Json.Serialization;

namespace Gatehouse.Api.Accounts;

/// <summary>Sign-up while verified addresses are required: the same answer whether or not the address was free.</summary>
public sealed record SignUpAcceptedResponse(string Username, bool VerificationSent);

public sealed record VerifyEmailRequest(string? Token);

public sealed record EmailVerifiedResponse(string Email, bool EmailVerified);

/// <summary>
/// Anonymous callers name the account (username or address); signed-in callers send <c>{}</c>. Any
/// other member is refused: a signed-in caller's body is otherwise unread, and must still be well formed.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SendVerificationRequest(string? Username);

public sealed record VerificationSentResponse(bool Sent);
