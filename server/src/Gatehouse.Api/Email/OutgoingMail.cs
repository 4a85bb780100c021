using System.Net;
using System.Text;

namespace Gatehouse.Api.Email;

/// <summary>A composed mail, before it becomes an outbox row.</summary>
public sealed record OutgoingMail(string Kind, string To, string Subject, string TextBody, string HtmlBody);

/// <summary>
/// Composes Gatehouse's mails: plain text and HTML with the same words, the product name, at most one
/// link (written out in full in both parts), and no remote images, fonts or styles.
/// </summary>
public sealed class MailComposer(Microsoft.Extensions.Options.IOptions<EmailOptions> options)
{
    public string ProductName => options.Value.ProductName;

    /// <param name="paragraphs">Plain sentences; HTML-encoded for the HTML part.</param>
    /// <param name="action">A button's label and its link, shown after the paragraphs.</param>
    /// <param name="footer">A closing line, e.g. what to do if this was not you.</param>
    public OutgoingMail Compose(string kind, string to, string subject, IReadOnlyList<string> paragraphs,
        (string Label, string Url)? action = null, string? footer = null)
    {
        var product = ProductName;
        var fullSubject = $"{product}: {subject}";

        var text = new StringBuilder();
        foreach (var paragraph in paragraphs)
        {
            text.Append(paragraph).Append("\n\n");
        }
        if (action is { } link)
        {
            text.Append(link.Label).Append(":\n").Append(link.Url).Append("\n\n");
        }
        if (footer is not null)
        {
            text.Append(footer).Append("\n\n");
        }
        text.Append("— ").Append(product).Append('\n');

        var html = new StringBuilder();
        html.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(fullSubject))
            .Append("</title></head><body style=\"font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328;max-width:36rem;margin:0 auto;padding:1.5rem\">")
            .Append("<p style=\"font-weight:600;font-size:1.1rem\">").Append(WebUtility.HtmlEncode(product)).Append("</p>");
        foreach (var paragraph in paragraphs)
        {
            html.Append("<p>").Append(WebUtility.HtmlEncode(paragraph)).Append("</p>");
        }
        if (action is { } button)
        {
            var href = WebUtility.HtmlEncode(button.Url);
            html.Append("<p><a href=\"").Append(href)
                .Append("\" style=\"display:inline-block;background:#1f6feb;color:#fff;padding:.6rem 1rem;border-radius:6px;text-decoration:none\">")
                .Append(WebUtility.HtmlEncode(button.Label)).Append("</a></p>")
                .Append("<p style=\"font-size:.9rem;color:#57606a\">Or open this address: <br>").Append(href).Append("</p>");
        }
        if (footer is not null)
        {
            html.Append("<p style=\"font-size:.9rem;color:#57606a\">").Append(WebUtility.HtmlEncode(footer)).Append("</p>");
        }
        html.Append("</body></html>");

        return new OutgoingMail(kind, to, fullSubject, text.ToString(), html.ToString());
    }
}
