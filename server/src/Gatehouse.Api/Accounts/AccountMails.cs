using System.Globalization;
using Gatehouse.Api.Email;
using Gatehouse.Api.Sessions;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

/// <summary>
/// The mails of accounts and sign-in: one method per message, the words in one place. Links come only
/// from <see cref="PublicWebSettings"/>. A notice names what happened, when, from which address and
/// browser, and what to do; the browser is described in a few known words, never the caller's own
/// User-Agent text, which a stranger could fill with a message or a link of their choosing.
/// </summary>
public sealed class AccountMails(MailComposer composer, IOptions<PublicWebSettings> web, TimeProvider time)
{
    public const string VerifyPath = "/auth/verify-email";
    public const string ForgotPasswordPath = "/auth/forgot-password";

    /// <summary>How long a verification link works.</summary>
    public static readonly TimeSpan VerificationLifetime = TimeSpan.FromHours(24);

    private string ForgotPasswordUrl => web.Value.BaseUrl + ForgotPasswordPath;

    public OutgoingMail VerifyEmail(string to, string username, string token) => composer.Compose(
        MailKinds.VerifyEmail, to, "Verify your email address",
        [
            $"Confirm that {to} is the address of your {composer.ProductName} account {username}.",
            "The link works once, for 24 hours. Opening it shows a button; the address is verified only when you press it.",
        ],
        ("Verify my address", web.Value.Link(VerifyPath, token)),
        "If you did not create this account, ignore this mail: nothing happens without the button.");

    public OutgoingMail SignUpAttempt(string to, HttpContext http) => composer.Compose(
        MailKinds.SignUpAttempt, to, "Someone tried to sign up with your address",
        [
            $"On {Now()} someone tried to create a new {composer.ProductName} account with {to}, which already belongs to your account. No account was created and nothing changed.",
            $"It came from {Where(http)}.",
            "If it was you, you already have an account: sign in with your username or this address. If you forgot your password, get a new one here:",
        ],
        ("Reset my password", ForgotPasswordUrl),
        "If it was not you, you need not do anything.");

    public OutgoingMail AccountLocked(string to, string username, TimeSpan lockedFor, int failures, HttpContext http) => composer.Compose(
        MailKinds.AccountLocked, to, "Your account was locked after wrong passwords",
        [
            $"On {Now()} your {composer.ProductName} account {username} was locked for {(int)lockedFor.TotalMinutes} minutes after {failures} wrong passwords in a row. The last one came from {Where(http)}.",
            "Nobody signed in. Browsers you signed in with before can still sign in; others must wait until the lock ends.",
            "If these were not your attempts, someone may be guessing your password. Choose a new, unique one:",
        ],
        ("Reset my password", ForgotPasswordUrl),
        "If it was you and you remember your password, just wait for the lock to end.");

    public OutgoingMail NewDeviceSignIn(string to, string username, HttpContext http) => composer.Compose(
        MailKinds.NewDeviceSignIn, to, "New sign-in to your account",
        [
            $"On {Now()} someone signed in to your {composer.ProductName} account {username} from a browser it had not seen before: {Where(http)}.",
            "If it was you, you need not do anything.",
            "If it was not you, someone knows your password. Reset it now; that signs every browser out:",
        ],
        ("Reset my password", ForgotPasswordUrl));

    private string Now() => time.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Where(HttpContext http) =>
        $"IP address {ClientInfo.IpAddress(http) ?? "unknown"}, {BrowserDescription.Of(ClientInfo.UserAgent(http))}";
}

/// <summary>A browser as a mail names it ("Firefox on Linux"): from a fixed list of words only.</summary>
public static class BrowserDescription
{
    // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
    private static readonly (string Token, string Name)[] Browsers =
    [
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("CriOS/", "Chrome"),
        ("Safari/", "Safari"), ("curl/", "curl"),
    ];

    private static readonly (string Token, string Name)[] Systems =
    [
        ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"), ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"), ("Linux", "Linux"),
    ];

    public static string Of(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent))
        {
            return "a browser that did not name itself";
        }
        var browser = Browsers.FirstOrDefault(b => userAgent.Contains(b.Token, StringComparison.Ordinal)).Name;
        var system = Systems.FirstOrDefault(s => userAgent.Contains(s.Token, StringComparison.Ordinal)).Name;
        return (browser, system) switch
        {
            (null, null) => "an unrecognised browser",
            (null, _) => $"a browser on {system}",
            (_, null) => browser,
            _ => $"{browser} on {system}",
        };
    }
}
