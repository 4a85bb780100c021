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
    public string Host { get; set; } = "";
    public int Port { get; set; } = 587;
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";

    public bool IsSet => !string.IsNullOrWhiteSpace(Host);
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
}
