using System.Net.Sockets;
using Gatehouse.MailCatcher;
using Microsoft.Extensions.Options;

// Gatehouse's mail catcher: ./run.sh and the e2e suite send the API's mails here.
//   dotnet Gatehouse.MailCatcher.dll [--smtp-port 2525] [--http-port 3025] [--address 127.0.0.1] [--max-messages 500]
WebApplication app;
try
{
    app = MailCatcherApp.Build(args);
    await app.StartAsync();
}
catch (Exception exception) when (exception is OptionsValidationException or IOException or SocketException or InvalidOperationException)
{
    // One line that says what to change, not a stack trace (a port in use, a bad setting).
    Console.Error.WriteLine($"mail catcher: {exception.Message}");
    return 1;
}
var smtp = app.SmtpEndpoint();
Console.WriteLine($"Mail catcher: {app.WebUrl()} (SMTP on {smtp.Address}:{smtp.Port})");
// SIGTERM and SIGINT (Ctrl-C) end this; the host stops both servers and exits 0.
await app.WaitForShutdownAsync();
return 0;
