using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// Loads the key ring as the app starts (after the database initializer's migrations, which are
/// registered first) and re-reads it every KeyRefreshInterval, so a rotation made anywhere reaches
/// this instance well within the activation delay. The first load runs beside the rest of start-up
/// (its PBKDF2 is the longest single step) and start-up waits for it at the end, after Kestrel has
/// started: until then <c>/health/ready</c> answers 503, and start-up fails as before when this
/// instance cannot sign.
/// </summary>
internal sealed partial class SigningKeyRefresher(
    SigningKeyRing ring, IOptions<TokenOptions> options, TimeProvider time, ILogger<SigningKeyRefresher> logger)
    : BackgroundService, IHostedLifecycleService
{
    private Task _loading = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.UsesSharedSecret)
        {
            return Task.CompletedTask;
        }
        if (settings.KeyActivationDelay < settings.KeyRefreshInterval + TokenOptions.JwksMaxAge)
        {
            LogShortActivationDelay(logger, settings.KeyActivationDelay, settings.KeyRefreshInterval + TokenOptions.JwksMaxAge);
        }
        _loading = ring.BeginStart(cancellationToken);
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.UsesSharedSecret)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.Value.KeyRefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ring.RefreshAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The database may be briefly unavailable; the keys already loaded keep working.
                LogRefreshFailed(logger, exception);
            }
        }
    }

    // The host's start (and so a test host's, and the process) fails here if the keys could not be loaded.
    public Task StartedAsync(CancellationToken cancellationToken) => _loading;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning, "Gatehouse:Tokens:KeyActivationDelay ({Delay}) is shorter than {Safe}: a verifier that caches the JWKS for its max-age may meet a rotated-in key before it has fetched it (Gatehouse's web app refetches on an unknown kid)")]
    private static partial void LogShortActivationDelay(ILogger logger, TimeSpan delay, TimeSpan safe);

    [LoggerMessage(LogLevel.Warning, "Reloading the signing key ring failed; will retry")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
