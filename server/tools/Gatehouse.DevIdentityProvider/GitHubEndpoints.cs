using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Gatehouse.DevIdentityProvider;

/// <summary>
/// A GitHub-shaped OAuth 2 fake under <c>/github/</c>, answering as github.com and api.github.com do:
/// <c>GET /github/login/oauth/authorize</c> (state, PKCE S256), <c>POST /github/login/oauth/access_token</c>
/// (JSON when asked with <c>Accept: application/json</c>, a form otherwise; errors as HTTP 200 with an
/// <c>error</c> field, as GitHub does), <c>GET /github/api/user</c> and <c>GET /github/api/user/emails</c>
/// (the latter only for a token with the <c>user:email</c> or <c>user</c> scope, else 404 as GitHub).
/// Not OpenID Connect: no id_token, no nonce. Codes last 10 minutes and work once.
/// </summary>
internal static class GitHubEndpoints
{
    public const string AuthorizePath = "/github/login/oauth/authorize";
    public const string TokenPath = "/github/login/oauth/access_token";
    public const string UserPath = "/github/api/user";
    public const string EmailsPath = "/github/api/user/emails";

    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(10);

    public static void MapGitHubFake(this WebApplication app)
    {
        app.MapMethods(AuthorizePath, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync);
        app.MapPost(TokenPath, TokenAsync);
        app.MapGet(UserPath, (HttpContext context, GitHubGrants grants) =>
            grants.FindToken(context.Request) is { } token ? Results.Json(UserJson(token.User)) : BadCredentials());
        app.MapGet(EmailsPath, (HttpContext context, GitHubGrants grants, DevIdentityProviderKnobs knobs) =>
        {
            if (grants.FindToken(context.Request) is not { } token)
            {
                return BadCredentials();
            }
            if (!token.Scopes.Contains("user:email") && !token.Scopes.Contains("user"))
            {
                return Results.Json(new { message = "Not Found", documentation_url = "https://docs.github.com/rest" }, statusCode: 404);
            }
            var user = token.User;
            var noreply = $"{user.GitHubId}+{user.Login}@users.noreply.github.com";
            return Results.Json(new object[]
            {
                new { email = user.Email, primary = true, verified = user.EmailVerified && !knobs.GitHubNoVerifiedPrimaryEmail, visibility = "public" },
                // Verified but not primary: a client must not take it for the person's address.
                new { email = noreply, primary = false, verified = true, visibility = (string?)null },
            });
        });
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, DevIdentityProviderOptions options, DevIdentityProviderKnobs knobs,
        GitHubGrants grants, TimeProvider time)
    {
        var fields = await RequestFields.ReadAsync(context.Request);
        var redirectUri = fields.First("redirect_uri");
        var state = fields.First("state");
        if (fields.First("client_id") != options.ClientId)
        {
            return Problem(context, "The client_id is not a registered OAuth app here.");
        }
        if (!RedirectUris.IsAllowed(redirectUri))
        {
            // As GitHub: a redirect_uri it does not allow is never redirected to.
            return Problem(context, "The redirect_uri is not allowed: it must be http(s) on localhost, 127.0.0.1 or [::1] with a path ending in /auth/external/{id}/callback.");
        }
        var challenge = fields.First("code_challenge");
        var method = fields.First("code_challenge_method");
        if (challenge is not null && method is not ("S256" or null))
        {
            return Redirect(redirectUri!, ("error", "invalid_request"), ("error_description", "Only code_challenge_method=S256 is supported."), ("state", state));
        }

        switch (SignInPage.Read(fields.First, options, knobs))
        {
            case null:
                return SignInPage.Render(context, options, AuthorizePath, fields.All, "An OAuth app");
            case Answer.Invalid invalid:
                return SignInPage.Render(context, options, AuthorizePath, fields.All, "An OAuth app", invalid.Problem);
            case Answer.Deny:
                return Redirect(redirectUri!, ("error", "access_denied"), ("error_description", "The user has denied your application access."),
                    ("error_uri", "https://docs.github.com/apps/troubleshooting-authorization-request-errors/#access-denied"), ("state", state));
            case Answer.SignIn(var user):
                var scopes = (fields.First("scope") ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                var code = grants.IssueCode(new GitHubCode(user, redirectUri!, challenge, scopes, time.GetUtcNow() + CodeLifetime));
                return Redirect(redirectUri!, ("code", code), ("state", state));
            default:
                throw new InvalidOperationException("Unknown answer.");
        }
    }

    private static async Task<IResult> TokenAsync(HttpContext context, DevIdentityProviderOptions options, DevIdentityProviderKnobs knobs,
        GitHubGrants grants, TimeProvider time)
    {
        if (!context.Request.HasFormContentType)
        {
            return TokenAnswer(context, ("error", "invalid_request"), ("error_description", "Send the parameters as a form."));
        }
        var form = await context.Request.ReadFormAsync();
        string? Field(string name) => SignInPage.First(form[name]);
        if (knobs.TokenError is { Length: > 0 } error)
        {
            return TokenAnswer(context, ("error", error), ("error_description", "The test asked for this error."));
        }
        // GitHub takes the client's credentials in the form or with HTTP Basic.
        var (clientId, clientSecret) = BasicCredentials(context.Request) ?? (Field("client_id"), Field("client_secret"));
        if (clientId != options.ClientId || clientSecret is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(clientSecret), Encoding.UTF8.GetBytes(options.ClientSecret)))
        {
            return TokenAnswer(context, ("error", "incorrect_client_credentials"), ("error_description", "The client_id and/or client_secret passed are incorrect."));
        }
        // Single use: taken out whether or not what follows is right, as GitHub does.
        if (grants.TakeCode(Field("code")) is not { } code || code.ExpiresAt <= time.GetUtcNow())
        {
            return TokenAnswer(context, ("error", "bad_verification_code"), ("error_description", "The code passed is incorrect or expired."));
        }
        if (Field("redirect_uri") is { } redirectUri && redirectUri != code.RedirectUri)
        {
            return TokenAnswer(context, ("error", "redirect_uri_mismatch"), ("error_description", "The redirect_uri MUST match the registered callback URL for this application."));
        }
        if (code.CodeChallenge is not null && !VerifierMatches(Field("code_verifier"), code.CodeChallenge))
        {
            return TokenAnswer(context, ("error", "bad_verification_code"), ("error_description", "The code_verifier does not match the code_challenge."));
        }
        var token = grants.IssueToken(new GitHubToken(code.User, code.Scopes));
        return TokenAnswer(context, ("access_token", token), ("token_type", "bearer"), ("scope", string.Join(",", code.Scopes.Order(StringComparer.Ordinal))));
    }

    private static object UserJson(DevUser user) => new
    {
        login = user.Login,
        id = user.GitHubId,
        node_id = "U_" + user.GitHubId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        avatar_url = (string?)null,
        type = "User",
        name = user.Name,
        // The public profile address, which GitHub does not promise is verified; /user/emails says.
        email = user.Email,
    };

    private static IResult BadCredentials() =>
        Results.Json(new { message = "Bad credentials", documentation_url = "https://docs.github.com/rest", status = "401" }, statusCode: 401);

    private static IResult TokenAnswer(HttpContext context, params (string Name, string? Value)[] fields)
    {
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Json(fields.ToDictionary(f => f.Name, f => f.Value));
        }
        var body = string.Join("&", fields.Select(f => $"{Uri.EscapeDataString(f.Name)}={Uri.EscapeDataString(f.Value ?? "")}"));
        return Results.Text(body, "application/x-www-form-urlencoded; charset=utf-8");
    }

    private static IResult Redirect(string redirectUri, params (string Name, string? Value)[] parameters) =>
        Results.Redirect(QueryHelpers.AddQueryString(redirectUri, parameters.Where(p => p.Value is not null)
            .Select(p => new KeyValuePair<string, string?>(p.Name, p.Value))));

    private static IResult Problem(HttpContext context, string message)
    {
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'";
        return Results.Text($"error: invalid_request\nerror_description: {message}\n", "text/plain; charset=utf-8", statusCode: 400);
    }

    private static (string? Id, string? Secret)? BasicCredentials(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            var colon = pair.IndexOf(':');
            return colon < 0 ? null : (Uri.UnescapeDataString(pair[..colon]), Uri.UnescapeDataString(pair[(colon + 1)..]));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge.
    private static bool VerifierMatches(string? verifier, string challenge) =>
        verifier is { Length: >= 43 and <= 128 }
        && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))),
            Encoding.ASCII.GetBytes(challenge));
}

internal sealed record GitHubCode(DevUser User, string RedirectUri, string? CodeChallenge, IReadOnlySet<string> Scopes, DateTimeOffset ExpiresAt);

internal sealed record GitHubToken(DevUser User, IReadOnlySet<string> Scopes);

/// <summary>The GitHub fake's codes and access tokens, in memory.</summary>
internal sealed class GitHubGrants
{
    private readonly ConcurrentDictionary<string, GitHubCode> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GitHubToken> _tokens = new(StringComparer.Ordinal);

    public string IssueCode(GitHubCode code)
    {
        var value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        _codes[value] = code;
        return value;
    }

    public GitHubCode? TakeCode(string? code) => code is not null && _codes.TryRemove(code, out var found) ? found : null;

    public string IssueToken(GitHubToken token)
    {
        var value = "gho_" + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(27));
        _tokens[value] = token;
        return value;
    }

    /// <summary>The token in <c>Authorization: Bearer …</c> (or GitHub's older <c>token …</c>), if it is one we issued.</summary>
    public GitHubToken? FindToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var space = header.IndexOf(' ');
        if (space < 0 || header[..space].ToLowerInvariant() is not ("bearer" or "token"))
        {
            return null;
        }
        return _tokens.TryGetValue(header[(space + 1)..].Trim(), out var token) ? token : null;
    }
}
