namespace Threshold.Testing;

/// <summary>
/// A wake-up for waiters: whoever changes what a test observes (a fake, a recording client, a log sink, an event of
/// the code under test) calls <see cref="Pulse"/> after the change, and every <see cref="Eventually"/> or
/// <see cref="Never"/> waiting on it re-checks its condition. It carries no value and never stays set.
/// </summary>
public sealed class Signal
{
    private readonly Signal[]? sources;
    private TaskCompletionSource next = NewSource();

    public Signal()
    {
    }

    private Signal(Signal[] sources) => this.sources = sources;

    /// <summary>Completes at the next <see cref="Pulse"/> after it was read (of any source, for a combined signal).</summary>
    public Task Next => sources is null ? Volatile.Read(ref next).Task : Task.WhenAny(sources.Select(s => s.Next));

    /// <summary>A signal that fires when any of <paramref name="signals"/> fires (nulls are skipped); only waited on, never pulsed.</summary>
    public static Signal Any(params Signal?[] signals) => new([.. signals.OfType<Signal>()]);

    /// <summary>Wakes everyone waiting on <see cref="Next"/>.</summary>
    public void Pulse()
    {
        if (sources is not null)
        {
            throw new InvalidOperationException("A combined signal fires through its sources.");
        }

        Interlocked.Exchange(ref next, NewSource()).TrySetResult();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
