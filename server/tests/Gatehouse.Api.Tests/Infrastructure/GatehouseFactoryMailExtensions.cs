namespace Gatehouse.Api.Tests.Infrastructure;

public static class GatehouseFactoryMailExtensions
{
    /// <summary>Sends the factory's mails to <paramref name="sink"/>, over plain SMTP on loopback.</summary>
    public static GatehouseFactory WithSmtp(this GatehouseFactory factory, SmtpSink sink) => factory
        .With("Gatehouse:Email:Smtp:Host", "127.0.0.1")
        .With("Gatehouse:Email:Smtp:Port", sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .With("Gatehouse:Email:Smtp:Security", "None");
}
