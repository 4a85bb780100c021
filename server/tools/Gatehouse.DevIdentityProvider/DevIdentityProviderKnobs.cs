namespace Gatehouse.DevIdentityProvider;

/// <summary>
/// Switches a test flips to make the provider misbehave or answer by itself. Each stays as set until
/// changed (or <see cref="Reset"/>), and is read when the request it affects arrives, so a test sets
/// it before the step it is about. Safe to change from any thread.
/// </summary>
public sealed class DevIdentityProviderKnobs
{
    private volatile DevUser? _signInAs;
    private volatile string? _tokenError;

    /// <summary>
    /// Answer every authorization request (OpenID Connect and GitHub) at once as this person, without
    /// the page: a 302 straight back to the client's redirect_uri with a code.
    /// </summary>
    public DevUser? SignInAs { get => _signInAs; set => _signInAs = value; }

    /// <summary>Answer every authorization request at once with <c>error=access_denied</c> (the person said no).</summary>
    public volatile bool Deny;

    /// <summary>Put a nonce other than the request's in the id_token (the client must refuse it).</summary>
    public volatile bool WrongNonce;

    /// <summary>
    /// Answer the token endpoint with this OAuth error (e.g. <c>invalid_grant</c>, <c>server_error</c>)
    /// instead of tokens; the GitHub fake answers it the way GitHub does (HTTP 200 with <c>error</c>).
    /// </summary>
    public string? TokenError { get => _tokenError; set => _tokenError = value; }

    /// <summary>Report <c>amr: ["pwd", "mfa"]</c> for every sign-in, whoever it is.</summary>
    public volatile bool ReportMfa;

    /// <summary>Report <c>email_verified: false</c> for every sign-in (GitHub: the primary address unverified).</summary>
    public volatile bool EmailUnverified;

    /// <summary>The GitHub fake's <c>/user/emails</c> lists no verified primary address (only a verified secondary one).</summary>
    public volatile bool GitHubNoVerifiedPrimaryEmail;

    /// <summary>Every endpoint but <c>/health</c> answers 503, as a provider that is down.</summary>
    public volatile bool Unavailable;

    /// <summary>Every switch back to normal behaviour.</summary>
    public void Reset()
    {
        SignInAs = null;
        TokenError = null;
        Deny = WrongNonce = ReportMfa = EmailUnverified = GitHubNoVerifiedPrimaryEmail = Unavailable = false;
    }

    /// <summary>The person as the provider will report them, with the switches applied.</summary>
    internal DevUser Apply(DevUser user) => user with
    {
        EmailVerified = user.EmailVerified && !EmailUnverified,
        Amr = ReportMfa && !user.Amr.Contains("mfa") ? [.. user.Amr, "mfa"] : user.Amr,
    };
}
