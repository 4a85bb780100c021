using System.Net;
using System.Net.Http.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using MimeKit;

namespace Gatehouse.MailCatcher.Tests;

/// <summary>A catcher in the test process on free ports, with an HTTP client for its page and API.</summary>
public sealed class Catcher : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Catcher(WebApplication app)
    {
        _app = app;
        Http = new HttpClient { BaseAddress = new Uri(app.WebUrl()) };
    }

    public HttpClient Http { get; }

    public IPEndPoint Smtp => _app.SmtpEndpoint();

    public static async Task<Catcher> StartAsync(params string[] args)
    {
        var app = MailCatcherApp.Build(["--smtp-port", "0", "--http-port", "0", .. args]);
        await app.StartAsync();
        return new Catcher(app);
    }

    /// <summary>Sends <paramref name="message"/> over TCP with MailKit, as the API's outbox does.</summary>
    public async Task SendAsync(MimeMessage message)
    {
        using var client = new SmtpClient();
        await client.ConnectAsync(Smtp.Address.ToString(), Smtp.Port, SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    public async Task<List<MailJson>> MessagesAsync(string? to = null) =>
        (await Http.GetFromJsonAsync<List<MailJson>>(to is null ? "/api/messages" : $"/api/messages?to={Uri.EscapeDataString(to)}"))!;

    public static MimeMessage Mail(string to, string subject, string? text = "Hello", string? html = null)
    {
        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody() };
        message.From.Add(new MailboxAddress("Gatehouse", "no-reply@localhost"));
        message.To.Add(MailboxAddress.Parse(to));
        return message;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One element of <c>GET /api/messages</c>.</summary>
public sealed record MailJson(string Id, string From, List<string> To, string Subject, DateTimeOffset ReceivedAt, string? Text, string? Html);
