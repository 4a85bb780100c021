using System.Net;
using Microsoft.Extensions.Options;

namespace Gatehouse.MailCatcher;

/// <summary>
/// <c>MailCatcher</c> settings: from the command line (<c>--smtp-port 2525 --http-port 3025
/// --address 127.0.0.1 --max-messages 500</c>) or the environment (<c>MailCatcher__SmtpPort</c>, …).
/// </summary>
public sealed class CatcherOptions
{
    public const string Section = "MailCatcher";

    /// <summary>Command-line switches and the settings they set.</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--smtp-port"] = $"{Section}:{nameof(SmtpPort)}",
        ["--http-port"] = $"{Section}:{nameof(HttpPort)}",
        ["--address"] = $"{Section}:{nameof(Address)}",
        ["--max-messages"] = $"{Section}:{nameof(MaxMessages)}",
    };

    /// <summary>Where SMTP clients (the API) send mail; 0 picks a free port.</summary>
    public int SmtpPort { get; set; } = 2525;

    /// <summary>Where the page and the JSON API are served; 0 picks a free port.</summary>
    public int HttpPort { get; set; } = 3025;

    /// <summary>
    /// The address both listen on. Loopback by default: the mails carry live sign-in links, so
    /// only this machine may read them.
    /// </summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>How many mails are kept in memory; the oldest go first.</summary>
    public int MaxMessages { get; set; } = 500;

    public IPAddress IPAddress => IPAddress.Parse(Address);
}

internal sealed class CatcherOptionsValidator : IValidateOptions<CatcherOptions>
{
    public ValidateOptionsResult Validate(string? name, CatcherOptions options)
    {
        var errors = new List<string>();
        if (options.SmtpPort is < 0 or > 65535)
        {
            errors.Add($"--smtp-port is {options.SmtpPort}; use a port from 1 to 65535 (or 0 for any free port).");
        }
        if (options.HttpPort is < 0 or > 65535)
        {
            errors.Add($"--http-port is {options.HttpPort}; use a port from 1 to 65535 (or 0 for any free port).");
        }
        if (options.SmtpPort != 0 && options.SmtpPort == options.HttpPort)
        {
            errors.Add($"--smtp-port and --http-port are both {options.SmtpPort}; give each a port of its own.");
        }
        if (!IPAddress.TryParse(options.Address, out _))
        {
            errors.Add($"--address is '{options.Address}'; use an IP address such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).");
        }
        if (options.MaxMessages is < 1 or > 100_000)
        {
            errors.Add($"--max-messages is {options.MaxMessages}; keep from 1 to 100000 mails.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
