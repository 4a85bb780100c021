using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;

namespace Gatehouse.Api.Passkeys;

/// <summary>The answer of an options endpoint: send <see cref="Options"/> to the browser's WebAuthn API, and the id back with its answer.</summary>
public sealed record PasskeyOptionsResponse(string CeremonyId, JsonElement Options);

/// <summary><see cref="Credential"/> is the browser's <c>credential.toJSON()</c> (RegistrationResponseJSON).</summary>
public sealed record PasskeyRegisterRequest(string? CeremonyId, JsonElement? Credential, string? Name);

/// <summary>
/// A new passkey; <see cref="RecoveryCodes"/> only when it is the account's first factor (shown once;
/// absent otherwise).
/// </summary>
public sealed record PasskeyRegisteredResponse(
    PasskeyView Passkey,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? RecoveryCodes);

/// <summary>A passkey as its owner sees it: never its public key or counters.</summary>
public sealed record PasskeyView(string Id, string Name, DateTimeOffset CreatedAt, bool BackedUp)
{
    public static PasskeyView From(UserPasskeyInfo passkey) => new(
        WebEncoders.Base64UrlEncode(passkey.CredentialId), passkey.Name ?? "", passkey.CreatedAt, passkey.IsBackedUp);
}

public sealed record PasskeyListResponse(IReadOnlyList<PasskeyView> Passkeys);

public sealed record PasskeyRenameRequest(string? Name);

/// <summary><see cref="Credential"/> is the browser's <c>credential.toJSON()</c> (AuthenticationResponseJSON).</summary>
public sealed record PasskeyLoginRequest(string? CeremonyId, JsonElement? Credential);
