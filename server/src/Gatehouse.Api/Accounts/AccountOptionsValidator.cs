using Gatehouse.Api.Email;
using Microsoft.Extensions.Options;

namespace Gatehouse.Api.Accounts;

/// <summary>Refuses settings under which no new account could ever sign in.</summary>
internal sealed class AccountOptionsValidator(IOptions<EmailOptions> email) : IValidateOptions<AccountOptions>
{
    public ValidateOptionsResult Validate(string? name, AccountOptions options)
    {
        var failures = new List<string>();
        if (options.RequireVerifiedEmail && !options.RequireEmail)
        {
            failures.Add("Gatehouse:Accounts:RequireVerifiedEmail is true but RequireEmail is false: new accounts could have no address to verify. Set Gatehouse:Accounts:RequireEmail=true (the default) or RequireVerifiedEmail=false.");
        }
        if (options.RequireVerifiedEmail && !email.Value.Enabled)
        {
            failures.Add("Gatehouse:Accounts:RequireVerifiedEmail is true but Gatehouse:Email:Enabled is false: no verification mail could be sent, so no new account could sign in. Configure SMTP (Gatehouse:Email:Smtp:Host) and enable mail, or set RequireVerifiedEmail=false.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
