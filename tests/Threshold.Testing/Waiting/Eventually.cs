namespace Threshold.Testing;

/// <summary>
/// Waits until a condition holds. With a <see cref="Signal"/> it re-checks only when the signal fires, so the signal
/// must fire after every change the condition reads; without one it falls back to <see cref="Poll"/>. Either way the
/// timeout is a safety net that turns a hang into a failure naming what never happened, never part of what is tested.
/// </summary>
public static class Eventually
{
    /// <summary>The safety net when a call names none.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static Task UntilAsync(Func<bool> condition, string what, Signal? wakeOn = null, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), what, wakeOn, timeout);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, Signal? wakeOn = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Timeout;
        using var net = new CancellationTokenSource(limit);
        while (true)
        {
            // Read the wake-up before the check, so a change between the check and the wait is not missed.
            var wake = wakeOn?.Next ?? Poll.NextAsync(net.Token);
            if (await condition())
            {
                return;
            }

            try
            {
                await wake.WaitAsync(net.Token);
            }
            catch (OperationCanceledException) when (net.IsCancellationRequested)
            {
                // One last look: the change may have come with the deadline.
                if (await condition())
                {
                    return;
                }

                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}.");
            }
        }
    }

    /// <summary>Waits until <paramref name="probe"/> returns a value, and returns it.</summary>
    public static async Task<T> ValueAsync<T>(Func<T?> probe, string what, Signal? wakeOn = null, TimeSpan? timeout = null)
        where T : class
    {
        T? found = null;
        await UntilAsync(() => (found = probe()) is not null, what, wakeOn, timeout);
        return found!;
    }
}
