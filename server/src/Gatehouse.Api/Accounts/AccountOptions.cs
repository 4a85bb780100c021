using Gatehouse.Api.Email;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

/// <summary><c>Gatehouse:Accounts</c>: what an account must have.</summary>
public sealed class AccountOptions
{
    public const string Section = "Gatehouse:Accounts";

    /// <summary>Sign-up needs an email address (default true): without one, a forgotten password cannot be reset.</summary>
    public bool RequireEmail { get; set; } = true;

    /// <summary>Sign-in is refused (403 <c>email_unverified</c>) until the address is verified (default false).</summary>
    public bool RequireVerifiedEmail { get; set; }
}

internal sealed class AccountOptionsValidator(IOptions<EmailOptions> email) : IValidateOptions<AccountOptions>
{
    public ValidateOptionsResult Validate(string? name, AccountOptions options)
    {
        var failures = new List<string>();
        // Either would leave accounts that can never sign in.
        if (options.RequireVerifiedEmail && !options.RequireEmail)
        {
            failures.Add("Gatehouse:Accounts:RequireVerifiedEmail is true but Gatehouse:Accounts:RequireEmail is false: an account made without an address could never verify one, so it could never sign in. Set Gatehouse__Accounts__RequireEmail=true, or RequireVerifiedEmail=false.");
        }
        if (options.RequireVerifiedEmail && !email.Value.Enabled)
        {
            failures.Add("Gatehouse:Accounts:RequireVerifiedEmail is true but Gatehouse:Email:Enabled is false: no verification mail could be sent, so no new account could sign in. Configure mail (Gatehouse__Email__Smtp__Host …) and set Gatehouse__Email__Enabled=true, or RequireVerifiedEmail=false.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
