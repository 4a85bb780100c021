using System.Net;
using System.Net.Http.Json;
using Gatehouse.Api.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Gatehouse.Api.Tests.Accounts;

/// <summary>The recovery endpoints as a client uses them, and the mails they send.</summary>
internal static class RecoveryApi
{
    public const string NewPassword = "a brand new pass phrase";

    /// <summary>An address no other test uses.</summary>
    public static string NewEmail(string prefix = "user") => $"{prefix}-{Guid.NewGuid():N}@example.com";

    /// <summary>Registers a user with an address; returns the name and the address.</summary>
    public static async Task<(string Username, string Email)> RegisterWithEmailAsync(this GatehouseFactory factory, string? email = null)
    {
        var username = TestApi.NewUsername();
        email ??= NewEmail();
        var register = await factory.CreateClient().RegisterAsync(username, email: email);
        Assert.True(register.IsSuccessStatusCode, $"register: {register.StatusCode}");
        return (username, email);
    }

    /// <summary>Marks the address verified, as the verification link would have.</summary>
    public static Task MarkVerifiedAsync(this GatehouseFactory factory, string username) =>
        factory.QueryAsync(db => db.Users.Where(u => u.UserName == username).ExecuteUpdateAsync(set => set.SetProperty(u => u.EmailConfirmed, true)));

    public static Task<HttpResponseMessage> ForgotAsync(this HttpClient client, string username) =>
        client.PostAsJsonAsync("/auth/password/forgot", new { username });

    public static Task<HttpResponseMessage> ResetAsync(this HttpClient client, string token, string newPassword = NewPassword) =>
        client.PostAsJsonAsync("/auth/password/reset", new { token, newPassword });

    public static Task<HttpResponseMessage> ChangeEmailAsync(this HttpClient client, string newEmail, string currentPassword = TestApi.StrongPassword) =>
        client.PostAsJsonAsync("/auth/email", new { newEmail, currentPassword });

    public static Task<HttpResponseMessage> ConfirmEmailAsync(this HttpClient client, string token) =>
        client.PostAsJsonAsync("/auth/email/confirm", new { token });

    /// <summary>Asks for a reset link and returns its token, from the mail that arrived.</summary>
    public static async Task<string> ResetTokenAsync(this GatehouseFactory factory, SmtpSink sink, string username, string email)
    {
        var before = sink.To(email).Count;
        Assert.Equal(HttpStatusCode.Accepted, (await factory.CreateClient().ForgotAsync(username)).StatusCode);
        return SmtpSink.TokenFrom(await sink.NextAsync(email, before, IsResetLink));
    }

    public static bool IsResetLink(MimeMessage mail) => (mail.Subject ?? "").EndsWith("Reset your password", StringComparison.Ordinal);

    public static async Task<string> ErrorCodeAsync(this HttpResponseMessage response, HttpStatusCode status) =>
        (await response.ProblemAsync(status)).GetProperty("code").GetString()!;

    public static async Task<string[]> ValidationCodesAsync(this HttpResponseMessage response, string field) =>
        (await response.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("codes").GetProperty(field).EnumerateArray().Select(c => c.GetString()!).ToArray();

    /// <summary>The first mail to <paramref name="to"/> matching <paramref name="match"/> after the first <paramref name="before"/> it received.</summary>
    public static Task<MimeMessage> NextAsync(this SmtpSink sink, string to, int before, Func<MimeMessage, bool> match) =>
        sink.WaitForAsync(to, m => match(m) && sink.To(to).ToList().IndexOf(m) >= before);
}
