using Gatehouse.Api.Auth;
using Gatehouse.Api.Data;
using Gatehouse.Api.Hosting;
using Gatehouse.Api.Sessions;
using Gatehouse.Api.Tokens;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Mfa;

/// <summary>
/// Whether a user has set up a second factor (Identity's <c>TwoFactorEnabled</c>: TOTP on or a passkey),
/// for <see cref="EnrollmentGate"/>. Only "yes" is remembered, for a minute, on this instance: a "no"
/// blocks the request, so it is asked again each time and an enrolment counts at once, on any instance.
/// A factor removed counts here within <see cref="Ttl"/>.
/// </summary>
public sealed class SecondFactorEnrollment(IServiceScopeFactory scopes, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(60);
    private readonly MemoryCache _enrolled = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public async ValueTask<bool> HasSecondFactorAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_enrolled.TryGetValue(userId, out DateTimeOffset until) && now < until)
        {
            return true;
        }
        await using var scope = scopes.CreateAsyncScope();
        var enrolled = await scope.ServiceProvider.GetRequiredService<GatehouseDbContext>().Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => u.TwoFactorEnabled)
            .SingleOrDefaultAsync(cancellationToken);
        if (enrolled)
        {
            _enrolled.Set(userId, now + Ttl, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Ttl });
        }
        return enrolled;
    }

    /// <summary>The user's factors changed here: forget the remembered answer.</summary>
    public void Forget(Guid userId) => _enrolled.Remove(userId);

    public void Dispose() => _enrolled.Dispose();
}

/// <summary>
/// <c>Gatehouse:Mfa:Required</c>: a user without a second factor signs in as usual, but every signed-in
/// endpoint except those that let them set one up, see their account and sign out answers 403
/// <c>mfa_enrollment_required</c> until they have one. The session check is the hottest path, so this
/// adds nothing when the setting is off, and nothing but a claim lookup for a session that was proven
/// with two factors (its token's <c>amr</c> holds <c>mfa</c>); only a session without one (a user not
/// enrolled yet, or who enrolled during it) asks <see cref="SecondFactorEnrollment"/>.
/// </summary>
public static class EnrollmentGate
{
    /// <summary>Where a signed-in user without a second factor may still go (a path and everything under it).</summary>
    private static readonly PathString[] Open =
    [
        "/auth/me", "/auth/is-authenticated", "/auth/mfa", "/auth/passkeys", "/auth/reauthenticate",
        "/auth/sessions", "/auth/config",
    ];

    public static IServiceCollection AddEnrollmentGate(this IServiceCollection services) =>
        services.AddSingleton<SecondFactorEnrollment>();

    /// <summary>After UseAuthorization: the request's user and endpoint are known.</summary>
    public static IApplicationBuilder UseEnrollmentGate(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<IOptions<MfaOptions>>().Value.Required)
        {
            return app;
        }
        var enrollment = app.ApplicationServices.GetRequiredService<SecondFactorEnrollment>();
        return app.Use(async (http, next) =>
        {
            if (MustEnroll(http) && http.User.TryGetSession(out var userId, out _)
                && !await enrollment.HasSecondFactorAsync(userId, http.RequestAborted))
            {
                await http.WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
                    AuthErrors.MfaEnrollmentRequired.Message, AuthErrors.MfaEnrollmentRequired.Code);
                return;
            }
            await next(http);
        });
    }

    private static bool MustEnroll(HttpContext http) =>
        http.User.Identity?.IsAuthenticated == true
        && http.GetEndpoint()?.Metadata.GetMetadata<IAuthorizeData>() is not null
        && !http.User.HasClaim(AccessTokenIssuer.AmrClaim, AuthMethods.MultiFactor)
        && !IsOpen(http.Request.Path);

    internal static bool IsOpen(PathString path) =>
        path == "/auth/logout" || Open.Any(open => path.StartsWithSegments(open, StringComparison.OrdinalIgnoreCase));
}
