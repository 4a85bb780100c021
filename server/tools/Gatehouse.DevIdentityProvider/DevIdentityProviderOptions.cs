using System.Text.RegularExpressions;

namespace Gatehouse.DevIdentityProvider;

/// <summary>
/// Settings of the local identity provider: from the command line (<c>--port 3030 --client-id gatehouse
/// --client-secret dev-secret</c>), the environment (<c>DevIdentityProvider__Port</c>, …) or, in tests,
/// set on the object passed to <see cref="DevIdentityProvider.StartAsync"/>.
/// </summary>
public sealed class DevIdentityProviderOptions
{
    public const string Section = "DevIdentityProvider";

    /// <summary>Command-line switches and the settings they set.</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--port"] = $"{Section}:{nameof(Port)}",
        ["--client-id"] = $"{Section}:{nameof(ClientId)}",
        ["--client-secret"] = $"{Section}:{nameof(ClientSecret)}",
        ["--display-name"] = $"{Section}:{nameof(DisplayName)}",
    };

    /// <summary>The port on 127.0.0.1; 0 picks a free one (tests). It never listens on another address.</summary>
    public int Port { get; set; } = 3030;

    /// <summary>The one client it knows (Gatehouse), for both the OpenID Connect side and the GitHub fake.</summary>
    public string ClientId { get; set; } = "gatehouse";

    public string ClientSecret { get; set; } = "dev-secret";

    /// <summary>The name on its sign-in page ("Sign in to Local provider as …").</summary>
    public string DisplayName { get; set; } = "Local provider";

    /// <summary>The people it offers as one-click sign-ins; anyone else through the page's form.</summary>
    public IList<DevUser> Users { get; set; } = [DevUser.Alice, DevUser.Bob, DevUser.Carol];
}

/// <summary>A person the provider can sign in.</summary>
/// <param name="Subject">The <c>sub</c> claim (and the GitHub fake's numeric <c>id</c> is derived from it).</param>
/// <param name="EmailVerified">The <c>email_verified</c> claim (GitHub: the primary address's <c>verified</c>).</param>
/// <param name="Amr">The <c>amr</c> claim, RFC 8176 values; <c>["pwd", "mfa"]</c> says the provider did multi-factor.</param>
public sealed record DevUser(string Subject, string Email, bool EmailVerified, string Name, IReadOnlyList<string> Amr)
{
    /// <summary>alice@example.com, verified, signed in with a password.</summary>
    public static readonly DevUser Alice = new("alice", "alice@example.com", true, "Alice Example", ["pwd"]);

    /// <summary>bob@example.com, whose address the provider has NOT verified.</summary>
    public static readonly DevUser Bob = new("bob", "bob@example.com", false, "Bob Example", ["pwd"]);

    /// <summary>carol@example.com, verified, whose sign-in reports multi-factor (amr pwd + mfa).</summary>
    public static readonly DevUser Carol = new("carol", "carol@example.com", true, "Carol Example", ["pwd", "mfa"]);

    /// <summary>A fresh person (e2e specs make one each): subject from the address unless given.</summary>
    public static DevUser Create(string email, string? subject = null, bool emailVerified = true, string? name = null, bool mfa = false) =>
        new(string.IsNullOrWhiteSpace(subject) ? email.Trim().ToLowerInvariant() : subject.Trim(), email.Trim(), emailVerified,
            string.IsNullOrWhiteSpace(name) ? email.Trim().Split('@')[0] : name.Trim(), mfa ? ["pwd", "mfa"] : ["pwd"]);

    /// <summary>The <c>preferred_username</c> claim and the GitHub fake's <c>login</c>: the address's local part.</summary>
    public string Login => Email.Split('@')[0];

    /// <summary>The GitHub fake's numeric user id: stable for a subject, as GitHub's ids are for an account.</summary>
    public long GitHubId => 1_000_000 + (long)(BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Subject))) % 900_000_000);
}

internal static partial class OptionsCheck
{
    /// <summary>What is wrong with <paramref name="options"/>, each with how to fix it; empty when nothing is.</summary>
    public static List<string> Problems(DevIdentityProviderOptions options)
    {
        var errors = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"--port is {options.Port}; use a port from 1 to 65535 (or 0 for any free port).");
        }
        if (string.IsNullOrWhiteSpace(options.ClientId) || !ClientIdPattern().IsMatch(options.ClientId))
        {
            errors.Add($"--client-id is '{options.ClientId}'; use letters, digits, '-', '_' or '.', e.g. gatehouse.");
        }
        if (string.IsNullOrEmpty(options.ClientSecret))
        {
            errors.Add("--client-secret is empty; give the client a secret, e.g. dev-secret.");
        }
        if (options.Users.Select(u => u.Email).Distinct(StringComparer.OrdinalIgnoreCase).Count() != options.Users.Count)
        {
            errors.Add("Two configured users share an email address; give each its own.");
        }
        return errors;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex ClientIdPattern();
}
