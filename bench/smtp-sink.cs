#:package SmtpServer@11.1.0
// A local SMTP server that counts what it receives, for bench/run.sh's mail scenario: how many mails
// per second the API's outbox delivers (Email/OutboxSender.cs, MailKit over one connection).
//
//   dotnet run bench/smtp-sink.cs -- <port> <mails> <timeout seconds>
//
// Listens on 127.0.0.1:<port> (plain SMTP, no authentication, as a local relay), accepts every
// message and keeps nothing but its arrival time. Once <mails> have arrived it prints one line,
//   MAIL mails=<n> seconds=<first to last arrival> rate=<(n - 1) ÷ seconds>
// and exits 0; after <timeout> seconds with fewer, it prints the same line with what arrived and
// exits 1. The time runs from the first mail's arrival to the last's, so the sender's poll interval
// (how soon it notices rows written by another process) is not counted, only its sending.
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var expected = int.Parse(args[1], CultureInfo.InvariantCulture);
var timeout = TimeSpan.FromSeconds(double.Parse(args[2], CultureInfo.InvariantCulture));

var counter = new Counter(expected);
var options = new SmtpServerOptionsBuilder()
    .ServerName("localhost")
    .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
    .Build();
var services = new SmtpServer.ComponentModel.ServiceProvider();
services.Add(counter);
services.Add(new NoDelayListeners());
using var stop = new CancellationTokenSource();
var server = new SmtpServer.SmtpServer(options, services);
var running = server.StartAsync(stop.Token);

var done = await Task.WhenAny(counter.All.Task, Task.Delay(timeout)) == counter.All.Task;
await stop.CancelAsync();
try
{
    await running;
}
catch (OperationCanceledException)
{
}
var (count, seconds) = counter.Span();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"MAIL mails={count} seconds={seconds:F3} rate={(seconds > 0 ? (count - 1) / seconds : 0):F1}"));
return done ? 0 : 1;

// Replies without Nagle's wait, as production SMTP servers (Postfix, Exim) do: to pipelined commands
// (MAIL FROM and RCPT TO in one packet) the library answers in two writes, and the second would wait
// for the client's delayed ACK, some 40 ms per mail, which would measure the sink rather than the
// sender. Accepted sockets inherit TCP_NODELAY from the listening one.
sealed class NoDelayListeners : IEndpointListenerFactory
{
    public IEndpointListener CreateListener(IEndpointDefinition endpoint)
    {
        var listener = new TcpListener(endpoint.Endpoint);
        listener.Server.NoDelay = true;
        listener.Start();
        return new Listener(listener);
    }

    private sealed class Listener(TcpListener listener) : IEndpointListener
    {
        public async Task<SmtpServer.IO.ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var socket = await listener.AcceptSocketAsync(cancellationToken);
            socket.NoDelay = true;
            context.Properties.Add(EndpointListener.LocalEndPointKey, socket.LocalEndPoint!);
            context.Properties.Add(EndpointListener.RemoteEndPointKey, socket.RemoteEndPoint!);
            return new Pipe(new NetworkStream(socket, ownsSocket: true));
        }

        public void Dispose() => listener.Stop();
    }

    // Plain SMTP only: the sink offers no STARTTLS, so the pipe is never upgraded.
    private sealed class Pipe(NetworkStream stream) : SmtpServer.IO.ISecurableDuplexPipe
    {
        public System.IO.Pipelines.PipeReader Input { get; } = System.IO.Pipelines.PipeReader.Create(stream);
        public System.IO.Pipelines.PipeWriter Output { get; } = System.IO.Pipelines.PipeWriter.Create(stream);
        public bool IsSecure => false;
        public System.Security.Authentication.SslProtocols SslProtocol => System.Security.Authentication.SslProtocols.None;

        public Task UpgradeAsync(System.Security.Cryptography.X509Certificates.X509Certificate certificate,
            System.Security.Authentication.SslProtocols protocols, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The benchmark's sink speaks plain SMTP only.");

        public void Dispose() => stream.Dispose();
    }
}

sealed class Counter(int expected) : MessageStore
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private int _count;
    private TimeSpan _first;
    private TimeSpan _last;

    public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
        ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = _clock.Elapsed;
            if (_count == 0)
            {
                _first = now;
            }
            _last = now;
            if (++_count == expected)
            {
                All.TrySetResult();
            }
        }
        return Task.FromResult(SmtpResponse.Ok);
    }

    public (int Count, double Seconds) Span()
    {
        lock (_gate)
        {
            return (_count, (_last - _first).TotalSeconds);
        }
    }
}
