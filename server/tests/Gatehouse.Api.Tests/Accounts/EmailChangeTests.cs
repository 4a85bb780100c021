using System.Net;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Gatehouse.Api.Tests.Accounts;

public sealed class EmailChangeTests
{
    private static bool IsConfirmation(MimeMessage mail) => (mail.Subject ?? "").EndsWith("Confirm your new address", StringComparison.Ordinal);
    private static bool IsChangeRequested(MimeMessage mail) => (mail.Subject ?? "").EndsWith("A change of your address was asked for", StringComparison.Ordinal);
    private static bool IsChanged(MimeMessage mail) => (mail.Subject ?? "").EndsWith("Your address was changed", StringComparison.Ordinal);

    /// <summary>A verified user signed in on a cookie client.</summary>
    private static async Task<(HttpClient Client, string Username, string Email)> SignedInAsync(GatehouseFactory factory)
    {
        var (username, email) = await factory.RegisterWithEmailAsync();
        await factory.MarkVerifiedAsync(username);
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.LoginAsync(username)).StatusCode);
        return (client, username, email);
    }

    private static async Task<string?> MeEmailAsync(HttpClient client) =>
        (await (await client.GetAsync("/auth/me")).JsonAsync(HttpStatusCode.OK)).GetProperty("email").GetString();

    [Fact]
    public async Task The_address_changes_only_once_the_new_one_confirms_and_the_old_one_hears_of_each_step_with_a_working_reset_link()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (client, username, oldEmail) = await SignedInAsync(factory);
        var newEmail = RecoveryApi.NewEmail("moved");

        var asked = await client.ChangeEmailAsync(newEmail);

        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        Assert.Equal("{\"sent\":true}", await asked.Content.ReadAsStringAsync());
        var confirmation = await sink.WaitForAsync(newEmail, IsConfirmation);
        Assert.StartsWith("http://localhost:3000/auth/confirm-email?token=", SmtpSink.LinkFrom(confirmation)!.ToString());
        var warning = await sink.WaitForAsync(oldEmail, IsChangeRequested);
        Assert.Contains(newEmail, warning.TextBody);
        Assert.StartsWith("http://localhost:3000/auth/reset-password?token=", SmtpSink.LinkFrom(warning)!.ToString());
        Assert.Equal(oldEmail, await MeEmailAsync(client)); // nothing changed yet

        var confirmed = await factory.CreateClient().ConfirmEmailAsync(SmtpSink.TokenFrom(confirmation));

        Assert.Equal(newEmail, (await confirmed.JsonAsync(HttpStatusCode.OK)).GetProperty("email").GetString());
        Assert.Equal(newEmail, await MeEmailAsync(client)); // the remembered profile was forgotten
        var user = factory.Query(db => db.Users.AsNoTracking().Single(u => u.UserName == username));
        Assert.True(user.EmailConfirmed);
        Assert.Equal(newEmail.ToUpperInvariant(), user.NormalizedEmail);
        var changed = await sink.WaitForAsync(oldEmail, IsChanged);
        Assert.Contains(newEmail, changed.TextBody);
        Assert.DoesNotContain(sink.To(newEmail), IsChanged);
        // The change renewed the security stamp, voiding the request's reset link; the notice brings a fresh one that works.
        Assert.Equal("token_used", await (await factory.CreateClient().ResetAsync(SmtpSink.TokenFrom(warning))).ErrorCodeAsync(HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ResetAsync(SmtpSink.TokenFrom(changed))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/auth/me")).StatusCode);
        // The reset does not mark the new address verified or unverified: the link went to the old one.
        Assert.Equal(newEmail, factory.Query(db => db.Users.AsNoTracking().Single(u => u.UserName == username).Email));
        var events = factory.Query(db => db.AuditEvents.Where(e => e.Event.StartsWith("email_change")).Select(e => e.Event + ":" + e.Outcome).ToList());
        Assert.Equal(["email_change_requested:success", "email_changed:success"], events);
    }

    [Fact]
    public async Task The_owner_can_undo_a_pending_change_with_the_reset_link_sent_to_the_old_address()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (intruder, _, oldEmail) = await SignedInAsync(factory);
        var newEmail = RecoveryApi.NewEmail("intruder");

        Assert.Equal(HttpStatusCode.Accepted, (await intruder.ChangeEmailAsync(newEmail)).StatusCode);
        var confirmation = await sink.WaitForAsync(newEmail, IsConfirmation);
        var warning = await sink.WaitForAsync(oldEmail, IsChangeRequested);
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ResetAsync(SmtpSink.TokenFrom(warning))).StatusCode);

        var confirm = await factory.CreateClient().ConfirmEmailAsync(SmtpSink.TokenFrom(confirmation));

        Assert.Equal("token_used", await confirm.ErrorCodeAsync(HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.Unauthorized, (await intruder.GetAsync("/auth/me")).StatusCode);
        Assert.Equal(0, await factory.QueryAsync(db => db.Users.CountAsync(u => u.Email == newEmail)));
    }

    [Fact]
    public async Task A_wrong_password_a_taken_address_and_the_same_address_are_refused_and_nothing_is_sent()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (client, _, email) = await SignedInAsync(factory);
        var (_, takenEmail) = await factory.RegisterWithEmailAsync();
        var fresh = RecoveryApi.NewEmail();

        Assert.Equal(["current_password_incorrect"], await (await client.ChangeEmailAsync(fresh, "not the password")).ValidationCodesAsync("currentPassword"));
        Assert.Equal("email_taken", await (await client.ChangeEmailAsync(takenEmail.ToUpperInvariant())).ErrorCodeAsync(HttpStatusCode.Conflict));
        Assert.Equal(["email_unchanged"], await (await client.ChangeEmailAsync(email)).ValidationCodesAsync("newEmail"));
        Assert.Equal(["email_invalid"], await (await client.ChangeEmailAsync("not an address")).ValidationCodesAsync("newEmail"));
        Assert.Equal(["email_required"], await (await client.ChangeEmailAsync("")).ValidationCodesAsync("newEmail"));
        Assert.Equal(["current_password_required"], await (await client.ChangeEmailAsync(fresh, "")).ValidationCodesAsync("currentPassword"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().ChangeEmailAsync(fresh)).StatusCode);

        Assert.Equal(0, await factory.QueryAsync(db => db.Outbox.CountAsync(m => m.Kind == "confirm_email_change" || m.Kind == "email_change_requested")));
        Assert.Equal(0, await factory.QueryAsync(db => db.AccountTokens.CountAsync(t => t.Purpose == "change_email" || t.Purpose == "reset_password")));
    }

    [Fact]
    public async Task When_two_accounts_ask_for_one_address_the_first_to_confirm_gets_it_and_the_other_gets_409()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (first, firstName, _) = await SignedInAsync(factory);
        var (second, secondName, secondEmail) = await SignedInAsync(factory);
        var wanted = RecoveryApi.NewEmail("wanted");

        Assert.Equal(HttpStatusCode.Accepted, (await first.ChangeEmailAsync(wanted)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await second.ChangeEmailAsync(wanted)).StatusCode);
        await sink.WaitForAsync(wanted, m => IsConfirmation(m) && (m.TextBody ?? "").Contains(secondName));
        var links = sink.To(wanted).Where(IsConfirmation).ToList();
        var firstToken = SmtpSink.TokenFrom(links.Single(m => (m.TextBody ?? "").Contains(firstName)));
        var secondToken = SmtpSink.TokenFrom(links.Single(m => (m.TextBody ?? "").Contains(secondName)));

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().ConfirmEmailAsync(firstToken)).StatusCode);
        var late = await factory.CreateClient().ConfirmEmailAsync(secondToken);

        Assert.Equal("email_taken", await late.ErrorCodeAsync(HttpStatusCode.Conflict));
        Assert.Equal(secondEmail, await MeEmailAsync(second));
        Assert.Equal(wanted, await MeEmailAsync(first));
    }

    [Fact]
    public async Task A_newer_request_voids_the_older_confirmation_link_and_a_link_works_once()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (client, _, _) = await SignedInAsync(factory);
        var firstAddress = RecoveryApi.NewEmail("first");
        var secondAddress = RecoveryApi.NewEmail("second");

        Assert.Equal(HttpStatusCode.Accepted, (await client.ChangeEmailAsync(firstAddress)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.ChangeEmailAsync(secondAddress)).StatusCode);
        var first = SmtpSink.TokenFrom(await sink.WaitForAsync(firstAddress, IsConfirmation));
        var second = SmtpSink.TokenFrom(await sink.WaitForAsync(secondAddress, IsConfirmation));
        var anonymous = factory.CreateClient();

        Assert.Equal("token_used", await (await anonymous.ConfirmEmailAsync(first)).ErrorCodeAsync(HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.ConfirmEmailAsync(second)).StatusCode);
        Assert.Equal("token_used", await (await anonymous.ConfirmEmailAsync(second)).ErrorCodeAsync(HttpStatusCode.BadRequest));
        Assert.Equal(secondAddress, await MeEmailAsync(client));
    }

    [Fact]
    public async Task A_confirmation_link_works_until_twenty_four_hours_after_it_was_sent_and_not_at_twenty_four()
    {
        await using var sink = await SmtpSink.StartAsync();
        await using var factory = new GatehouseFactory().WithSmtp(sink);
        var (early, _, _) = await SignedInAsync(factory);
        var (late, _, _) = await SignedInAsync(factory);
        var earlyAddress = RecoveryApi.NewEmail("early");
        var lateAddress = RecoveryApi.NewEmail("late");
        Assert.Equal(HttpStatusCode.Accepted, (await early.ChangeEmailAsync(earlyAddress)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await late.ChangeEmailAsync(lateAddress)).StatusCode);
        var earlyToken = SmtpSink.TokenFrom(await sink.WaitForAsync(earlyAddress, IsConfirmation));
        var lateToken = SmtpSink.TokenFrom(await sink.WaitForAsync(lateAddress, IsConfirmation));
        var anonymous = factory.CreateClient();

        factory.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.ConfirmEmailAsync(earlyToken)).StatusCode);
        factory.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("token_expired", await (await anonymous.ConfirmEmailAsync(lateToken)).ErrorCodeAsync(HttpStatusCode.BadRequest));
    }
}
