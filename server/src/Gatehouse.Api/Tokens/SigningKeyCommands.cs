using Gatehouse.Api.Hosting;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// <c>dotnet Gatehouse.Api.dll --rotate-signing-key</c> (see Hosting/Commands): an operator's or a
/// scheduler's command, run beside the servers with their settings and database; never an HTTP endpoint.
/// </summary>
public static class SigningKeyCommands
{
    public const string Rotate = "--rotate-signing-key";

    /// <summary>
    /// Adds a key that is published at once and signs after Gatehouse:Tokens:KeyActivationDelay, and
    /// prints when. Throws <see cref="InvalidOperationException"/> with the fix when it cannot.
    /// </summary>
    internal static async Task RotateAsync(IServiceProvider services, TextWriter output, CancellationToken cancellationToken)
    {
        var settings = services.GetRequiredService<IOptions<TokenOptions>>().Value; // runs the validator
        if (settings.UsesSharedSecret)
        {
            throw new InvalidOperationException(
                "JWT_SECRET is set, so tokens are HS256 with one shared secret, which Gatehouse cannot rotate (the web app holds the same secret). " +
                "Rotation is for ES256 keys: unset JWT_SECRET and set Gatehouse:Tokens:KeyPassphrase (or SigningKeyPath) to sign with ES256.");
        }
        if (!settings.HasPassphrase && !services.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            throw new InvalidOperationException(SigningKeyRing.PassphraseRequired);
        }
        await Commands.EnsureSchemaCurrentAsync(services, cancellationToken);

        var ring = services.GetRequiredService<SigningKeyRing>();
        await ring.StartAsync(requireUsable: false, cancellationToken);
        if (ring.VerificationKeys.FirstOrDefault(k => k.StoredEncrypted && k.PrivateKey is null) is { } locked)
        {
            // Every instance opens the new key with its own passphrase; a different one here would lock them out.
            throw new InvalidOperationException(
                $"Signing key {locked.Kid} cannot be opened here: {locked.Unusable}. Run the command with the Gatehouse:Tokens:KeyPassphrase the API instances use.");
        }

        var (added, previous) = await ring.RotateAsync(cancellationToken);
        await output.WriteLineAsync($"Added signing key {added.Kid}: published in the JWKS now, signs from {added.ActivatesAt:u}.");
        await output.WriteLineAsync(
            $"Signing key {previous.Kid} signs until then and verifies until {previous.VerifiesUntil:u}, when its last token has expired; it is deleted after that.");
    }
}
