namespace Gatehouse.DevIdentityProvider.Tests;

/// <summary>A fresh provider on a free loopback port for each test, and a client that follows its flows.</summary>
public abstract class RunningProvider : IAsyncLifetime
{
    protected DevIdentityProvider Provider { get; private set; } = null!;
    protected Client Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Provider = await DevIdentityProvider.StartAsync(new DevIdentityProviderOptions { Port = 0 });
        Client = new Client(Provider);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Provider.DisposeAsync();
    }
}
