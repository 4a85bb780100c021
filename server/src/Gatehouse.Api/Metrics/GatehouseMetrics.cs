using System.Diagnostics.Metrics;
using Gatehouse.Api.Audit;
using Gatehouse.Api.Security;

namespace Gatehouse.Api.Metrics;

/// <summary>
/// Gatehouse's own meter, <c>Gatehouse</c>: counters of the security events an operator watches.
/// Cheap when nothing listens: with <c>Gatehouse:Metrics:Enabled</c> off no listener exists and each
/// <c>Add</c> returns at once. Tags are passed as structs (up to three without allocating) and every
/// tag value comes from a closed set (audit outcomes, RFC 8176 methods, action names), never a name,
/// address or id.
/// </summary>
/// <remarks>
/// One meter per process, not one per <see cref="IMeterFactory"/>: OpenTelemetry listens by meter
/// name, and of several same-named meters (several hosts in one process, as in the tests) it keeps the
/// first one's instruments and ignores the rest, so a second host's scrape would miss its own counts.
/// </remarks>
public sealed class GatehouseMetrics
{
    public const string MeterName = "Gatehouse";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> SignIns = Meter.CreateCounter<long>("gatehouse.sign_ins", "{sign-in}", "Sign-ins that began a session (outcome success) or were refused, by outcome and method (RFC 8176 amr; passkey for a refused passkey sign-in).");
    private static readonly Counter<long> SecondFactors = Meter.CreateCounter<long>("gatehouse.second_factor_checks", "{check}", "Second factors presented for a pending sign-in, by outcome.");
    private static readonly Counter<long> Refreshes = Meter.CreateCounter<long>("gatehouse.refreshes", "{refresh}", "Refresh-token exchanges, by outcome.");
    private static readonly Counter<long> RefreshReuses = Meter.CreateCounter<long>("gatehouse.refresh_token_reuses", "{reuse}", "Refresh tokens presented again after they were exchanged (the session is revoked).");
    private static readonly Counter<long> Lockouts = Meter.CreateCounter<long>("gatehouse.lockouts", "{lockout}", "Accounts (scope account) or known devices (scope device) locked after failed attempts.");
    private static readonly Counter<long> RateLimitRefusals = Meter.CreateCounter<long>("gatehouse.rate_limit_refusals", "{request}", "Requests refused by a rate limit, by action and scope (address, account, or endpoint for a built-in limiter policy).");
    private static readonly Counter<long> Mails = Meter.CreateCounter<long>("gatehouse.mails", "{mail}", "Outbox deliveries, by outcome: sent, retry (a failed attempt) or given_up.");
    private static readonly Counter<long> SessionChecks = Meter.CreateCounter<long>("gatehouse.session_checks", "{check}", "Session checks of authenticated requests, by whether the session cache answered (hit) or not (miss).");

    /// <summary>
    /// Counts what an audit row says, where the row is the exact record of the event: refused sign-ins,
    /// second-factor checks, refreshes, reuse and lockouts. Successful sign-ins are counted by
    /// <see cref="SignedIn"/>, which knows the method.
    /// </summary>
    public void Audited(string eventName, string outcome)
    {
        switch (eventName)
        {
            case AuditEvents.SignIn when outcome != AuditEvents.Success:
                SignIns.Add(1, new("outcome", outcome), new("method", Sessions.AuthMethods.Password));
                break;
            case AuditEvents.PasskeySignIn when outcome != AuditEvents.Success:
                SignIns.Add(1, new("outcome", outcome), new("method", "passkey"));
                break;
            case AuditEvents.SecondFactor:
                SecondFactors.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
                break;
            case AuditEvents.Refresh:
                Refreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
                break;
            case AuditEvents.RefreshReuse:
                RefreshReuses.Add(1);
                break;
            case AuditEvents.Lockout:
                Lockouts.Add(1, new KeyValuePair<string, object?>("scope", "account"));
                break;
            case AuditEvents.DeviceLockout:
                Lockouts.Add(1, new KeyValuePair<string, object?>("scope", "device"));
                break;
        }
    }

    /// <summary>A session began: <paramref name="methods"/> is its amr (e.g. <c>pwd</c>, <c>pwd otp mfa</c>, <c>hwk mfa</c>).</summary>
    public void SignedIn(string methods) =>
        SignIns.Add(1, new("outcome", AuditEvents.Success), new("method", methods));

    public void RateLimited(LimitedAction action, bool perUser) =>
        RateLimitRefusals.Add(1, new("action", ActionName(action)), new("scope", perUser ? "account" : "address"));

    /// <summary>A refusal by one of ASP.NET Core's own limiter policies (the revocation feed's).</summary>
    public void RateLimited(string policy) =>
        RateLimitRefusals.Add(1, new("action", policy), new("scope", "endpoint"));

    public void MailSent() => Mails.Add(1, new KeyValuePair<string, object?>("outcome", "sent"));

    public void MailFailed(bool givenUp) => Mails.Add(1, new KeyValuePair<string, object?>("outcome", givenUp ? "given_up" : "retry"));

    public void SessionCheck(bool cached) => SessionChecks.Add(1, new KeyValuePair<string, object?>("cache", cached ? "hit" : "miss"));

    // Enum names are cached by the runtime, but a switch-free lookup keeps the refusal path obvious.
    private static readonly string[] ActionNames = Enum.GetNames<LimitedAction>();

    private static string ActionName(LimitedAction action) =>
        (uint)action < (uint)ActionNames.Length ? ActionNames[(int)action] : "other";
}
