namespace Threshold.Hub;

/// <summary>An auto-reset wake-up: many <see cref="Set"/> calls before a wait collapse into one.</summary>
internal class AsyncSignal
{
    private readonly SemaphoreSlim semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>True when signalled, false on timeout.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => semaphore.WaitAsync(timeout, ct);
}

/// <summary>Wakes the server link's publisher: a new event, an ack, a state change or a (re)connect.</summary>
internal sealed class OutboundWakeup : AsyncSignal;
