using System.Text.RegularExpressions;

namespace Gatehouse.DevIdentityProvider;

/// <summary>
/// Which redirect URIs the provider sends codes to. A real provider keeps an exact list per client; this
/// one accepts any port (tests and e2e pick free ones) but only a loopback host and only Gatehouse's
/// callback path, so it can never hand a code to another machine.
/// </summary>
public static partial class RedirectUris
{
    public static bool IsAllowed(string? redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.IsLoopback
        && uri.Host is "localhost" or "127.0.0.1" or "[::1]"
        && string.IsNullOrEmpty(uri.UserInfo)
        && string.IsNullOrEmpty(uri.Fragment)
        && CallbackPath().IsMatch(uri.AbsolutePath);

    // /auth/external/{id}/callback, or under a prefix such as the web app's /api (same-origin mode).
    [GeneratedRegex("^(/[A-Za-z0-9._~-]+)*/auth/external/[A-Za-z0-9._~-]+/callback$")]
    private static partial Regex CallbackPath();
}
