using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Gatehouse.Api.Email;

public enum SmtpSecurity
{
    /// <summary>STARTTLS when the server offers it (MailKit's <c>Auto</c>), else plain.</summary>
    Auto,
    None,
    StartTls,
    SslOnConnect,
}

public sealed class SmtpOptions
{
    /// <summary>Development's default when no host is set: the mail catcher <c>./run.sh</c> starts listens there.</summary>
    public const string DevelopmentHost = "127.0.0.1";
    public const int DevelopmentPort = 2525;

    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;

    /// <summary>
    /// <c>Auto</c> (default), <c>None</c>, <c>StartTls</c> or <c>SslOnConnect</c>; a string, so that a
    /// wrong value stops start-up with the accepted ones rather than the binder's conversion error.
    /// </summary>
    public string Security { get; set; } = nameof(SmtpSecurity.Auto);

    public string Username { get; set; } = "";
    public string Password { get; set; } = "";

    public bool IsSet => !string.IsNullOrWhiteSpace(Host);

    /// <summary>The validated <see cref="Security"/>.</summary>
    public SmtpSecurity Mode => TryParseSecurity(Security, out var mode) ? mode : SmtpSecurity.Auto;

    public SecureSocketOptions SocketOptions => Mode switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };

    internal static bool TryParseSecurity(string? value, out SmtpSecurity mode)
    {
        mode = SmtpSecurity.Auto;
        // Names only: Enum.TryParse would take "7" too.
        return !string.IsNullOrWhiteSpace(value) && !char.IsAsciiDigit(value.Trim()[0]) && !value.Contains(',')
            && Enum.TryParse(value.Trim(), ignoreCase: true, out mode) && Enum.IsDefined(mode);
    }
}

/// <summary><c>Gatehouse:Email</c>: who mails come from, and the SMTP server that takes them.</summary>
public sealed class EmailOptions
{
    public const string Section = "Gatehouse:Email";

    /// <summary>False: no mail is ever sent, and the endpoints that need one answer 503 <c>email_disabled</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The sender, e.g. <c>Gatehouse &lt;no-reply@example.com&gt;</c>.</summary>
    public string From { get; set; } = "Gatehouse <no-reply@localhost>";

    /// <summary>The product name in every mail's subject and greeting.</summary>
    public string ProductName { get; set; } = "Gatehouse";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>
    /// How often the outbox sender looks for due mails besides being woken by a commit on its own
    /// instance: how soon it retries, and takes up mails another instance left behind (default 2 s).
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Development with no SMTP host: the local mail catcher (127.0.0.1:2525, plain SMTP), so a newcomer
/// sees the mails without configuring anything. Elsewhere an unset host is an error (the validator).
/// </summary>
internal sealed class EmailDevelopmentDefaults(IConfiguration configuration, IHostEnvironment environment) : IPostConfigureOptions<EmailOptions>
{
    public void PostConfigure(string? name, EmailOptions options)
    {
        if (!environment.IsDevelopment() || options.Smtp.IsSet)
        {
            return;
        }
        var smtp = configuration.GetSection(EmailOptions.Section + ":Smtp");
        options.Smtp.Host = SmtpOptions.DevelopmentHost;
        if (smtp["Port"] is null)
        {
            options.Smtp.Port = SmtpOptions.DevelopmentPort;
        }
        if (smtp["Security"] is null)
        {
            options.Smtp.Security = nameof(SmtpSecurity.None);
        }
    }
}

internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        if (!options.Enabled)
        {
            // Nothing is sent, so nothing else needs to be right.
            return ValidateOptionsResult.Success;
        }
        var failures = new List<string>();
        if (options.PollInterval < TimeSpan.FromMilliseconds(100) || options.PollInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Gatehouse:Email:PollInterval is {options.PollInterval}; use 00:00:00.1 to 00:05:00, e.g. 00:00:02 (default). Mails are sent when they are committed; the poll finds retries and mails another instance left.");
        }
        if (!options.Smtp.IsSet)
        {
            failures.Add("Gatehouse:Email:Smtp:Host is not set, so no mail (address verification, password reset, security notices) could be sent. "
                + "Set the SMTP server that sends Gatehouse's mail: Gatehouse__Email__Smtp__Host, and as needed Gatehouse__Email__Smtp__Port (default 587), "
                + "Gatehouse__Email__Smtp__Security (Auto, None, StartTls, SslOnConnect), Gatehouse__Email__Smtp__Username and Gatehouse__Email__Smtp__Password, "
                + "and Gatehouse__Email__From; or turn mail off with Gatehouse__Email__Enabled=false (the recovery endpoints then answer 503 email_disabled).");
        }
        if (options.Smtp.Port is < 1 or > 65535)
        {
            failures.Add($"Gatehouse:Email:Smtp:Port is {options.Smtp.Port}; use the SMTP server's port, 1 to 65535: usually 587 (StartTls), 465 (SslOnConnect) or 25.");
        }
        if (!SmtpOptions.TryParseSecurity(options.Smtp.Security, out _))
        {
            failures.Add($"Gatehouse:Email:Smtp:Security is '{options.Smtp.Security}'; use Auto (default: STARTTLS when offered), None (plain, for a local catcher), StartTls or SslOnConnect.");
        }
        if (string.IsNullOrWhiteSpace(options.From) || !MailboxAddress.TryParse(options.From, out var from) || !from.Address.Contains('@'))
        {
            failures.Add($"Gatehouse:Email:From is '{options.From}', which is not a mail address; use e.g. \"Gatehouse <no-reply@example.com>\" or no-reply@example.com (environment: Gatehouse__Email__From).");
        }
        if (string.IsNullOrWhiteSpace(options.ProductName) || options.ProductName.Length > 100)
        {
            failures.Add("Gatehouse:Email:ProductName is empty or longer than 100 characters; it names the product in every mail's subject, e.g. Gatehouse (default).");
        }
        if (!string.IsNullOrEmpty(options.Smtp.Password) && string.IsNullOrEmpty(options.Smtp.Username))
        {
            failures.Add("Gatehouse:Email:Smtp:Password is set without Gatehouse:Email:Smtp:Username; set both (the server's login) or neither.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
