using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>
/// A real SMTP server on 127.0.0.1 (the SmtpServer package) that keeps every mail it receives over TCP,
/// parsed with MimeKit. Point a factory at it with <c>GatehouseFactory.WithSmtp</c>; the cross-instance suite
/// shares this file (linked) and points its processes at it.
/// Stop and start it again on the same port to play an SMTP outage. Recipients at
/// <see cref="RefusedDomain"/> are refused for good (550), as a server refuses an unknown mailbox.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private CancellationTokenSource? _stop;
    private Task? _running;

    /// <summary>Mail to any address at this domain is refused at RCPT TO with 550.</summary>
    public const string RefusedDomain = "refused.example";

    private SmtpSink(int port) => Port = port;

    public int Port { get; }

    public IReadOnlyCollection<MimeMessage> Received => _received.ToArray();

    /// <summary>Starts a sink on a free loopback port.</summary>
    public static async Task<SmtpSink> StartAsync()
    {
        var sink = new SmtpSink(FreePort());
        await sink.StartAgainAsync();
        return sink;
    }

    /// <summary>(Re)starts listening on <see cref="Port"/>; returns once it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new RefuseDomain());
        _stop = new CancellationTokenSource();
        var server = new SmtpServer.SmtpServer(options, services);
        _running = server.StartAsync(_stop.Token);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }
        throw new InvalidOperationException($"The SMTP sink did not start on port {Port}.");
    }

    /// <summary>Stops listening: connections are refused until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }
        await _stop.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _stop = null;
    }

    /// <summary>The first mail to <paramref name="to"/> matching <paramref name="match"/>, waiting up to <paramref name="timeout"/> (default 15 s).</summary>
    public async Task<MimeMessage> WaitForAsync(string to, Func<MimeMessage, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var found = _received.FirstOrDefault(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, to, StringComparison.OrdinalIgnoreCase))
                && (match is null || match(m)));
            if (found is not null)
            {
                return found;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No mail to {to} arrived; received {_received.Count} others.");
            }
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Every mail received so far to <paramref name="to"/>.</summary>
    public IReadOnlyList<MimeMessage> To(string to) =>
        _received.Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, to, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>The value of the <c>token</c> query parameter of the first link in the mail's text part.</summary>
    public static string TokenFrom(MimeMessage mail) => LinkFrom(mail) is { } link
        ? Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(link.Query)["token"].ToString()
        : throw new InvalidOperationException($"The mail '{mail.Subject}' has no link.");

    /// <summary>The first http(s) link in the mail's text part, or null.</summary>
    public static Uri? LinkFrom(MimeMessage mail)
    {
        var text = mail.TextBody ?? "";
        var match = System.Text.RegularExpressions.Regex.Match(text, @"https?://\S+");
        return match.Success ? new Uri(match.Value) : null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class RefuseDomain : MailboxFilter
    {
        public override Task<bool> CanDeliverToAsync(ISessionContext context, SmtpServer.Mail.IMailbox to, SmtpServer.Mail.IMailbox from, CancellationToken cancellationToken) =>
            Task.FromResult(!string.Equals(to.Host, RefusedDomain, StringComparison.OrdinalIgnoreCase));
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            await using var stream = new MemoryStream();
            foreach (var segment in buffer)
            {
                await stream.WriteAsync(segment, cancellationToken);
            }
            stream.Position = 0;
            sink._received.Enqueue(await MimeMessage.LoadAsync(stream, cancellationToken));
            sink._arrived.Release();
            return SmtpResponse.Ok;
        }
    }
}
