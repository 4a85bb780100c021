using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// The first hosted service to start: sets the stored private keys' decryption (600,000 PBKDF2
/// iterations each, the longest single step of a restart) going before the database initializer runs
/// its migrations check and demo seeder, so the two overlap on separate cores. Start-up still waits
/// for the keys at <see cref="SigningKeyRefresher"/>, which loads the ring after the initializer and
/// takes a key opened here only if its row is unchanged (<see cref="SigningKeyRing.BeginPrefetch"/>).
/// </summary>
internal sealed class SigningKeyPrefetch(SigningKeyRing ring, IOptions<TokenOptions> options) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.UsesSharedSecret)
        {
            ring.BeginPrefetch(cancellationToken);
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
