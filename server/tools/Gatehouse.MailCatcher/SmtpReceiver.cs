using System.Buffers;
using System.Net;
using Microsoft.Extensions.Options;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Gatehouse.MailCatcher;

/// <summary>
/// The SMTP side: a real SMTP server (the SmtpServer package) that takes every mail, with no
/// authentication and no TLS (it listens on loopback), and keeps it in the <see cref="MailStore"/>.
/// </summary>
public sealed class SmtpReceiver(MailStore store, IOptions<CatcherOptions> options) : IHostedService
{
    // Gatehouse's mails are a few kilobytes; this keeps one odd client from filling the memory.
    private const int MaxMessageBytes = 10 * 1024 * 1024;

    private CancellationTokenSource? _stop;
    private SmtpServer.SmtpServer? _server;
    private Task? _running;

    /// <summary>Where SMTP is served, once started (the real port when 0 was asked for).</summary>
    public IPEndPoint? Endpoint { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName("gatehouse-mail-catcher")
            .MaxMessageSize(MaxMessageBytes, MaxMessageSizeHandling.Strict)
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(settings.IPAddress, settings.SmtpPort)))
            .Build();
        var listeners = new EndpointListenerFactory();
        var started = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        listeners.EndpointStarted += (_, e) => started.TrySetResult((IPEndPoint)e.LocalEndPoint);
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(new Store(store));
        _stop = new CancellationTokenSource();
        _server = new SmtpServer.SmtpServer(serverOptions, services);
        _running = _server.StartAsync(_stop.Token);

        // Start-up fails here, with the reason, when the port cannot be bound; not later in the background.
        var first = await Task.WhenAny(started.Task, _running).WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        if (first == _running)
        {
            try
            {
                await _running;
            }
            catch (System.Net.Sockets.SocketException exception) when (exception.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
            {
                throw new IOException($"Failed to bind SMTP to {settings.Address}:{settings.SmtpPort}: address already in use; choose another with --smtp-port.", exception);
            }
            throw new InvalidOperationException("The SMTP server stopped as it started.");
        }
        Endpoint = await started.Task;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stop is null || _running is null)
        {
            return;
        }
        // Lets a mail being received finish, within the host's shutdown time.
        _server!.Shutdown();
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private sealed class Store(MailStore store) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var raw = buffer.ToArray();
            MimeMessage message;
            try
            {
                using var stream = new MemoryStream(raw, writable: false);
                message = await MimeMessage.LoadAsync(stream, cancellationToken);
            }
            catch (FormatException)
            {
                return new SmtpResponse(SmtpReplyCode.TransactionFailed, "The message is not a MIME message.");
            }
            // The envelope's recipients are who the mail went to (Bcc included), whatever the To header says.
            var to = transaction.To.Select(mailbox => mailbox.AsAddress()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var from = message.From.Mailboxes.Select(m => string.IsNullOrEmpty(m.Name) ? m.Address : $"{m.Name} <{m.Address}>").FirstOrDefault()
                ?? transaction.From.AsAddress();
            store.Add(from, to, message.Subject ?? "", message.TextBody, message.HtmlBody, raw);
            return SmtpResponse.Ok;
        }
    }
}
