namespace Gatehouse.Api.Tests.Infrastructure;

/// <summary>Waiting, in real time, for work the API does after it has answered.</summary>
internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after 10 seconds, naming <paramref name="what"/>.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}");
            await Task.Delay(50);
        }
    }
}
