using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gatehouse.Api.Tokens;

/// <summary>
/// Part of <c>/health/ready</c>: ready means sign-ins work, so it waits for the key ring, which
/// loads (and decrypts its keys) beside the rest of start-up. Always healthy with a shared secret.
/// </summary>
internal sealed class SigningKeysHealthCheck(SigningKeys keys, SigningKeyRing ring) : IHealthCheck
{
    private static readonly Task<HealthCheckResult> Healthy = Task.FromResult(HealthCheckResult.Healthy());
    private static readonly Task<HealthCheckResult> Loading = Task.FromResult(HealthCheckResult.Unhealthy("The signing keys are still loading."));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        keys.UsesSharedSecret || ring.IsLoaded ? Healthy : Loading;
}
