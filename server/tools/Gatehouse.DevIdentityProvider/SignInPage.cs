using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;
using static System.Net.WebUtility;

namespace Gatehouse.DevIdentityProvider;

/// <summary>What the person (or a test) answered on the sign-in page.</summary>
internal abstract record Answer
{
    public sealed record SignIn(DevUser User) : Answer;

    public sealed record Deny : Answer;

    /// <summary>A custom sign-in without an email address, or an unknown configured user.</summary>
    public sealed record Invalid(string Problem) : Answer;
}

/// <summary>
/// The page both the OpenID Connect and the GitHub authorization endpoints show, and how its answer is
/// read. The answer is a set of <c>dev_*</c> parameters, sent by the page's buttons as a POST back to the
/// same endpoint beside the original request's parameters, or appended by a test to the GET:
/// <list type="bullet">
/// <item><c>dev_user=alice@example.com</c>: sign in as that configured user;</item>
/// <item><c>dev_action=custom&amp;dev_email=…[&amp;dev_subject=…][&amp;dev_name=…][&amp;dev_email_verified=false][&amp;dev_mfa=true]</c>: sign in as anyone;</item>
/// <item><c>dev_action=deny</c>: refuse (the client gets <c>error=access_denied</c>).</item>
/// </list>
/// </summary>
internal static class SignInPage
{
    public const string Prefix = "dev_";

    /// <summary>The answer in <paramref name="parameters"/>, or null when there is none yet (show the page).</summary>
    public static Answer? Read(Func<string, string?> parameters, DevIdentityProviderOptions options, DevIdentityProviderKnobs knobs)
    {
        if (knobs.Deny)
        {
            return new Answer.Deny();
        }
        if (knobs.SignInAs is { } forced)
        {
            return new Answer.SignIn(knobs.Apply(forced));
        }
        var action = parameters("dev_action");
        if (action == "deny")
        {
            return new Answer.Deny();
        }
        if (action == "custom")
        {
            var email = parameters("dev_email")?.Trim();
            if (string.IsNullOrEmpty(email) || email.Length > 254 || email.IndexOf('@') is < 1 || email.EndsWith('@'))
            {
                return new Answer.Invalid("Give an email address such as someone@example.com.");
            }
            var verified = !string.Equals(parameters("dev_email_verified"), "false", StringComparison.OrdinalIgnoreCase);
            var mfa = parameters("dev_mfa") is "true" or "on";
            return new Answer.SignIn(knobs.Apply(DevUser.Create(email, parameters("dev_subject"), verified, parameters("dev_name"), mfa)));
        }
        if (parameters("dev_user") is { Length: > 0 } chosen)
        {
            var user = options.Users.FirstOrDefault(u => string.Equals(u.Email, chosen, StringComparison.OrdinalIgnoreCase));
            return user is null ? new Answer.Invalid($"No configured user {chosen}.") : new Answer.SignIn(knobs.Apply(user));
        }
        return null;
    }

    /// <summary>
    /// The page: one button per configured user, a form for anyone else, and Deny. Each form repeats the
    /// original request's parameters (not our own <c>dev_*</c> ones) as hidden fields.
    /// </summary>
    public static IResult Render(HttpContext context, DevIdentityProviderOptions options, string action,
        IEnumerable<KeyValuePair<string, string?>> request, string clientName, string? problem = null)
    {
        var hidden = new StringBuilder();
        foreach (var (name, value) in request)
        {
            if (value is not null && !name.StartsWith(Prefix, StringComparison.Ordinal))
            {
                hidden.Append("<input type=\"hidden\" name=\"").Append(HtmlEncode(name)).Append("\" value=\"").Append(HtmlEncode(value)).Append("\">");
            }
        }
        var title = $"Sign in to {options.DisplayName}";
        var body = new StringBuilder();
        body.Append("<h1>").Append(HtmlEncode(title)).Append(" as …</h1>")
            .Append("<p class=\"muted\">").Append(HtmlEncode(clientName)).Append(" asks who you are. This is a development provider: there are no passwords.</p>");
        if (problem is not null)
        {
            body.Append("<p role=\"alert\" class=\"problem\">").Append(HtmlEncode(problem)).Append("</p>");
        }
        body.Append("<form method=\"post\" action=\"").Append(HtmlEncode(action)).Append("\">").Append(hidden)
            .Append("<ul class=\"users\">");
        foreach (var user in options.Users)
        {
            body.Append("<li><button type=\"submit\" name=\"dev_user\" value=\"").Append(HtmlEncode(user.Email)).Append("\">")
                .Append(HtmlEncode(user.Email)).Append("</button> <span class=\"muted\">")
                .Append(HtmlEncode(user.Name)).Append(user.EmailVerified ? ", verified address" : ", unverified address")
                .Append(user.Amr.Contains("mfa") ? ", multi-factor" : "").Append("</span></li>");
        }
        body.Append("</ul><p><button type=\"submit\" name=\"dev_action\" value=\"deny\" class=\"deny\">Deny</button></p></form>");

        body.Append("<h2>Someone else</h2><form method=\"post\" action=\"").Append(HtmlEncode(action)).Append("\">").Append(hidden)
            .Append("<input type=\"hidden\" name=\"dev_action\" value=\"custom\">")
            .Append("<p><label for=\"dev_email\">Email</label><input id=\"dev_email\" name=\"dev_email\" type=\"email\" required autocomplete=\"off\"></p>")
            .Append("<p><label for=\"dev_subject\">Subject (optional)</label><input id=\"dev_subject\" name=\"dev_subject\" autocomplete=\"off\"></p>")
            .Append("<p><label for=\"dev_name\">Name (optional)</label><input id=\"dev_name\" name=\"dev_name\" autocomplete=\"off\"></p>")
            .Append("<p><label><input type=\"checkbox\" name=\"dev_email_verified\" value=\"true\" checked> Email verified</label>")
            // An unchecked box sends nothing; this hidden field, after it, says "false" then (the first value wins).
            .Append("<input type=\"hidden\" name=\"dev_email_verified\" value=\"false\"></p>")
            .Append("<p><label><input type=\"checkbox\" name=\"dev_mfa\" value=\"true\"> Signed in with multi-factor</label></p>")
            .Append("<p><button type=\"submit\">Sign in as this person</button></p></form>");

        // No script and nothing loaded from anywhere. No form-action: Chromium applies it to the
        // redirect that follows the POST, which goes to the client's (other) origin.
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Response.Headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'nonce-{nonce}'; base-uri 'none'; frame-ancestors 'none'";
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{HtmlEncode(title)}}</title>
            <style nonce="{{nonce}}">{{Css}}</style>
            </head>
            <body><main>{{body}}</main></body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, problem is null ? 200 : 400);
    }

    /// <summary>The first value of a form or query field (the checkbox's, before its hidden "false").</summary>
    public static string? First(StringValues values) => values.Count > 0 ? values[0] : null;

    private const string Css = """
        :root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #fff; --head: #f6f8fa; --bad: #d1242f; }
        @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg: #0d1117; --head: #151b23; --bad: #f85149; } }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        main { max-width: 36rem; margin: 2rem auto; padding: 0 1.5rem; }
        h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
        .muted { color: var(--muted); } .problem { color: var(--bad); }
        ul.users { list-style: none; padding: 0; } ul.users li { margin: .5rem 0; }
        label { display: block; margin-bottom: .2rem; } input[type=email], input:not([type]) { font: inherit; width: 100%; padding: .35rem; }
        button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--line); border-radius: 6px; background: var(--head); color: var(--fg); cursor: pointer; }
        button.deny { color: var(--bad); }
        """;
}
