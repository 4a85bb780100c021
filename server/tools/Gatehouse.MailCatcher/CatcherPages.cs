using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using static System.Net.WebUtility;

namespace Gatehouse.MailCatcher;

/// <summary>
/// The pages: every mail newest first, and one mail with its text and its HTML. The mail's HTML is
/// the sender's, so it is shown only inside a sandbox without scripts, from a route whose own CSP
/// sandboxes it even when opened directly, and may load nothing from anywhere.
/// </summary>
public static partial class CatcherPages
{
    // What a mail's HTML may do: open its links in a new tab (outside the sandbox, so the web app
    // works there), show inline styles and data: images. No scripts, forms or remote assets.
    public const string MailHtmlPolicy =
        "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'self'";

    public static void MapCatcherPages(this WebApplication app)
    {
        app.MapGet("/", (HttpContext context, MailStore store, SmtpReceiver smtp) => Page(context, "Mail catcher", ListBody(store.List(), smtp), store.Version));

        app.MapGet("/messages/{id}", (HttpContext context, MailStore store, string id) => store.Find(id) is { } mail
            ? Page(context, mail.Subject.Length > 0 ? mail.Subject : "(no subject)", MailBody(mail))
            : NotFound(context));

        app.MapGet("/messages/{id}/html", (HttpContext context, MailStore store, string id) =>
        {
            if (store.Find(id) is not { Html: { } html })
            {
                return NotFound(context);
            }
            context.Response.Headers.ContentSecurityPolicy = MailHtmlPolicy;
            return Results.Content(WithLinksInNewTab(html), "text/html; charset=utf-8");
        });

        // The source as it arrived, as plain text (nosniff: never rendered as HTML).
        app.MapGet("/messages/{id}/raw", (HttpContext context, MailStore store, string id) => store.Find(id) is { } mail
            ? Results.Bytes(mail.Raw, "text/plain; charset=utf-8")
            : NotFound(context));

        // The page's "Delete all" form. Only from the catcher's own page: another site's form must not empty it.
        app.MapPost("/clear", (HttpContext context, MailStore store) =>
        {
            var site = context.Request.Headers["Sec-Fetch-Site"].ToString();
            var origin = context.Request.Headers.Origin.ToString();
            if ((site.Length > 0 && site is not ("same-origin" or "none"))
                || (origin.Length > 0 && origin != $"{context.Request.Scheme}://{context.Request.Host}"))
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }
            store.Clear();
            return Results.Redirect("/", permanent: false, preserveMethod: false);
        });
    }

    private static string ListBody(IReadOnlyList<CaughtMail> mails, SmtpReceiver smtp)
    {
        var html = new StringBuilder();
        var endpoint = smtp.Endpoint;
        html.Append("<header><h1>Mail catcher</h1><p class=\"muted\">Every mail sent to SMTP ")
            .Append(HtmlEncode($"{endpoint?.Address}:{endpoint?.Port}"))
            .Append(", newest first. Kept in memory until the catcher stops.</p>");
        if (mails.Count > 0)
        {
            html.Append("<form method=\"post\" action=\"/clear\"><button type=\"submit\">Delete all</button></form>");
        }
        html.Append("</header>");
        if (mails.Count == 0)
        {
            html.Append("<p class=\"empty\">No mail yet. This page shows new mail as it arrives.</p>");
            return html.ToString();
        }
        html.Append("<table><thead><tr><th scope=\"col\">Received</th><th scope=\"col\">To</th><th scope=\"col\">Subject</th><th scope=\"col\">From</th></tr></thead><tbody>");
        foreach (var mail in mails)
        {
            html.Append("<tr><td>").Append(Time(mail.ReceivedAt))
                .Append("</td><td>").Append(HtmlEncode(string.Join(", ", mail.To)))
                .Append("</td><td><a href=\"/messages/").Append(UrlEncode(mail.Id)).Append("\">")
                .Append(HtmlEncode(mail.Subject.Length > 0 ? mail.Subject : "(no subject)"))
                .Append("</a></td><td>").Append(HtmlEncode(mail.From)).Append("</td></tr>");
        }
        html.Append("</tbody></table>");
        return html.ToString();
    }

    private static string MailBody(CaughtMail mail)
    {
        var id = UrlEncode(mail.Id);
        var html = new StringBuilder();
        html.Append("<p><a href=\"/\">← All mail</a></p><h1>").Append(HtmlEncode(mail.Subject.Length > 0 ? mail.Subject : "(no subject)")).Append("</h1>")
            .Append("<dl><dt>From</dt><dd>").Append(HtmlEncode(mail.From))
            .Append("</dd><dt>To</dt><dd>").Append(HtmlEncode(string.Join(", ", mail.To)))
            .Append("</dd><dt>Received</dt><dd>").Append(Time(mail.ReceivedAt))
            .Append("</dd></dl>");
        if (mail.Html is not null)
        {
            html.Append("<h2>HTML</h2><iframe sandbox=\"allow-popups allow-popups-to-escape-sandbox\" referrerpolicy=\"no-referrer\" title=\"The mail's HTML\" src=\"/messages/")
                .Append(id).Append("/html\"></iframe>");
        }
        if (mail.Text is not null)
        {
            html.Append("<h2>Text</h2><pre class=\"text\">").Append(Linked(mail.Text)).Append("</pre>");
        }
        html.Append("<p class=\"muted\"><a href=\"/messages/").Append(id).Append("/raw\">Source</a></p>");
        return html.ToString();
    }

    /// <summary>The text, HTML-encoded, with its http(s) links made clickable.</summary>
    internal static string Linked(string text)
    {
        var html = new StringBuilder();
        var at = 0;
        foreach (Match match in LinkPattern().Matches(text))
        {
            var url = match.Value.TrimEnd('.', ',', ';', ':', '!', '?', ')');
            html.Append(HtmlEncode(text[at..match.Index]))
                .Append("<a href=\"").Append(HtmlEncode(url)).Append("\" target=\"_blank\" rel=\"noopener noreferrer\">")
                .Append(HtmlEncode(url)).Append("</a>");
            at = match.Index + url.Length;
        }
        return html.Append(HtmlEncode(text[at..])).ToString();
    }

    /// <summary>
    /// The mail's HTML with <c>&lt;base target="_blank"&gt;</c> first, so a link opens in a new tab:
    /// inside the frame the web app would refuse to load (it forbids framing).
    /// </summary>
    internal static string WithLinksInNewTab(string html)
    {
        const string Base = "<base target=\"_blank\">";
        var doctype = DoctypePattern().Match(html);
        return doctype.Success ? html.Insert(doctype.Length, Base) : Base + html;
    }

    private static string Time(DateTimeOffset at) =>
        $"<time datetime=\"{at.UtcDateTime:O}\">{at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC</time>";

    private static IResult NotFound(HttpContext context) =>
        Page(context, "Not found", "<p><a href=\"/\">← All mail</a></p><h1>Not found</h1><p>No such mail: it may have been deleted, or the catcher restarted.</p>", status: 404);

    private static IResult Page(HttpContext context, string title, string body, long? version = null, int status = 200)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        var refresh = version is null ? "" : $" data-version=\"{version}\"";
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{HtmlEncode(title)}} · Gatehouse mail</title>
            <style nonce="{{nonce}}">{{Css}}</style>
            </head>
            <body{{refresh}}>
            <main>{{body}}</main>
            <script nonce="{{nonce}}">{{Script}}</script>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private const string Css = """
        :root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #fff; --head: #f6f8fa; --link: #0969da; }
        @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg: #0d1117; --head: #151b23; --link: #4493f8; } }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        main { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
        h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
        a { color: var(--link); } .muted, .empty { color: var(--muted); }
        header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .5rem 1rem; margin-bottom: 1rem; }
        header p { margin: 0; flex-basis: 100%; order: 3; }
        button { font: inherit; padding: .3rem .8rem; border: 1px solid var(--line); border-radius: 6px; background: var(--head); color: var(--fg); cursor: pointer; }
        table { width: 100%; border-collapse: collapse; }
        th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
        th { background: var(--head); font-weight: 600; } td:first-child { white-space: nowrap; color: var(--muted); }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .75rem 0; } dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
        iframe { width: 100%; height: 60vh; border: 1px solid var(--line); border-radius: 6px; background: #fff; resize: vertical; }
        pre.text { white-space: pre-wrap; overflow-wrap: anywhere; padding: .75rem; border: 1px solid var(--line); border-radius: 6px; background: var(--head); font: 13px/1.5 ui-monospace, Menlo, Consolas, monospace; }
        """;

    // Local times for the UTC ones, and a reload of the list when a mail arrives (polled, no socket).
    private const string Script = """
        for (const time of document.querySelectorAll('time[datetime]')) time.textContent = new Date(time.dateTime).toLocaleString();
        const seen = document.body.dataset.version;
        if (seen !== undefined) {
          setInterval(async () => {
            try {
              const changes = await (await fetch('/api/changes', { cache: 'no-store' })).json();
              if (String(changes.version) !== seen) location.reload();
            } catch { /* the catcher stopped; try again */ }
          }, 2000);
        }
        """;

    [GeneratedRegex(@"https?://[^\s<>""']+", RegexOptions.IgnoreCase)]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"^\s*<!doctype[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex DoctypePattern();
}
