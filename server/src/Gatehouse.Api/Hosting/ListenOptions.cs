using System.Net;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Hosting;

/// <summary>Where Kestrel listens. Loopback by default: exposing the API is a deliberate choice.</summary>
public sealed class ListenOptions
{
    public const string Section = "Gatehouse:Listen";

    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Overridden by <c>PORT</c>, the original design's variable.</summary>
    public int Port { get; set; } = 3001;
}

internal sealed class ListenOptionsValidator : IValidateOptions<ListenOptions>
{
    public ValidateOptionsResult Validate(string? name, ListenOptions options)
    {
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.Address, out _))
        {
            failures.Add($"Gatehouse:Listen:Address '{options.Address}' is not an IP address. Use 127.0.0.1 (default), 0.0.0.0 or an interface address.");
        }
        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"The port {options.Port} is out of range. Set PORT (or Gatehouse:Listen:Port) to a number from 1 to 65535; the default is 3001.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
