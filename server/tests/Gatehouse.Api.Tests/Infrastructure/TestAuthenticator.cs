using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// A WebAuthn authenticator for tests (test code, not the API's): one ES256 key pair, answering the
/// API's options as a browser's <c>credential.toJSON()</c> would: a "none" attestation when created,
/// then signed assertions. Its origin, RP id, flags and counter can be set wrong on purpose.
/// </summary>
public sealed class TestAuthenticator : IDisposable
{
    private const byte UserPresent = 0x01, UserVerified = 0x04, BackupEligible = 0x08, BackedUp = 0x10, AttestedData = 0x40;

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(16);

    public string Id => WebEncoders.Base64UrlEncode(CredentialId);

    /// <summary>The origin the "browser" puts in the client data.</summary>
    public string Origin { get; set; } = GatehouseFactory.Origin;

    /// <summary>The RP id whose hash the authenticator puts in its data; null: the one the options name.</summary>
    public string? RpId { get; set; }

    /// <summary>A synced passkey (backup eligible and backed up) rather than one bound to its device.</summary>
    public bool Synced { get; init; }

    /// <summary>The signature counter; each assertion adds one first (0 stays 0 if <see cref="Counting"/> is off).</summary>
    public uint SignCount { get; set; }

    public bool Counting { get; init; } = true;

    /// <summary>The user handle the API gave at creation (its user id), which a discoverable assertion returns.</summary>
    public string? UserHandle { get; private set; }

    /// <summary>Answers <c>navigator.credentials.create</c> for the given PublicKeyCredentialCreationOptionsJSON.</summary>
    public string Create(JsonElement options, bool userVerified = true)
    {
        UserHandle = options.GetProperty("user").GetProperty("id").GetString();
        var rpId = RpId ?? options.GetProperty("rp").GetProperty("id").GetString()!;
        var clientData = ClientData("webauthn.create", options.GetProperty("challenge").GetString()!);

        var parameters = _key.ExportParameters(includePrivateParameters: false);
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1); cose.WriteInt32(2);      // kty: EC2
        cose.WriteInt32(3); cose.WriteInt32(-7);     // alg: ES256
        cose.WriteInt32(-1); cose.WriteInt32(1);     // crv: P-256
        cose.WriteInt32(-2); cose.WriteByteString(parameters.Q.X!);
        cose.WriteInt32(-3); cose.WriteByteString(parameters.Q.Y!);
        cose.WriteEndMap();
        var publicKey = cose.Encode();

        var attested = new byte[16 + 2 + CredentialId.Length + publicKey.Length]; // AAGUID zero: "none"
        BinaryPrimitives.WriteUInt16BigEndian(attested.AsSpan(16), (ushort)CredentialId.Length);
        CredentialId.CopyTo(attested, 18);
        publicKey.CopyTo(attested, 18 + CredentialId.Length);
        var authenticatorData = AuthenticatorData(rpId, (byte)(Flags(userVerified) | AttestedData), SignCount, attested);

        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt"); attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt"); attestation.WriteStartMap(0); attestation.WriteEndMap();
        attestation.WriteTextString("authData"); attestation.WriteByteString(authenticatorData);
        attestation.WriteEndMap();

        return Credential(new JsonObject
        {
            ["clientDataJSON"] = B64(clientData),
            ["attestationObject"] = B64(attestation.Encode()),
            ["transports"] = new JsonArray("internal"),
        });
    }

    /// <summary>Answers <c>navigator.credentials.get</c> for the given PublicKeyCredentialRequestOptionsJSON.</summary>
    public string Get(JsonElement options, bool userVerified = true)
    {
        var rpId = RpId ?? options.GetProperty("rpId").GetString()!;
        if (Counting)
        {
            SignCount++;
        }
        var clientData = ClientData("webauthn.get", options.GetProperty("challenge").GetString()!);
        var authenticatorData = AuthenticatorData(rpId, Flags(userVerified), SignCount, []);
        var signature = _key.SignData([.. authenticatorData, .. SHA256.HashData(clientData)], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return Credential(new JsonObject
        {
            ["clientDataJSON"] = B64(clientData),
            ["authenticatorData"] = B64(authenticatorData),
            ["signature"] = B64(signature),
            ["userHandle"] = UserHandle,
        });
    }

    private byte Flags(bool userVerified) =>
        (byte)(UserPresent | (userVerified ? UserVerified : 0) | (Synced ? BackupEligible | BackedUp : 0));

    private byte[] ClientData(string type, string challenge) => JsonSerializer.SerializeToUtf8Bytes(new JsonObject
    {
        ["type"] = type,
        ["challenge"] = challenge,
        ["origin"] = Origin,
        ["crossOrigin"] = false,
    });

    private static byte[] AuthenticatorData(string rpId, byte flags, uint signCount, byte[] attested)
    {
        var data = new byte[32 + 1 + 4 + attested.Length];
        SHA256.HashData(Encoding.UTF8.GetBytes(rpId)).CopyTo(data, 0);
        data[32] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(33), signCount);
        attested.CopyTo(data, 37);
        return data;
    }

    private string Credential(JsonObject response) => new JsonObject
    {
        ["id"] = Id,
        ["rawId"] = Id,
        ["type"] = "public-key",
        ["authenticatorAttachment"] = "platform",
        ["response"] = response,
        ["clientExtensionResults"] = new JsonObject(),
    }.ToJsonString();

    private static string B64(byte[] bytes) => WebEncoders.Base64UrlEncode(bytes);

    public void Dispose() => _key.Dispose();
}
