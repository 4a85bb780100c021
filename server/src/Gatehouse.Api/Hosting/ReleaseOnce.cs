namespace Gatehouse.Api.Hosting;

/// <summary>
/// A held slot (a semaphore's turn, a limiter's lease) that is given back once, however often it is
/// disposed: handlers give a slot back early, right after the work it guards, and a <c>using</c>
/// disposes it again on every way out.
/// </summary>
public sealed class ReleaseOnce(Action release) : IDisposable
{
    private int _released;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release();
        }
    }
}
