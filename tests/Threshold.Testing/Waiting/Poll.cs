namespace Threshold.Testing;

/// <summary>
/// The one place tests look again on a timer instead of on an event. It is used where nothing tells a test that
/// the state it reads has changed: a snapshot of the code under test with no change notification (the hub's lock
/// and slot snapshots, its outbox in SQLite), an HTTP view the server caches (a home's <c>hubOnline</c>), a
/// simulator counter, an external process starting. Everywhere else a <see cref="Signal"/> wakes the wait.
/// </summary>
public static class Poll
{
    /// <summary>How often a condition without a signal is re-checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How long <see cref="Never.DuringAsync"/> watches by default: long enough for a message to cross two loopback
    /// brokers and be handled, many times over on a loaded 2-core machine; short enough to keep a suite quick.
    /// </summary>
    public static readonly TimeSpan QuietWindow = TimeSpan.FromMilliseconds(400);

    /// <summary>Completes after one <see cref="Interval"/> (or when cancelled).</summary>
    public static Task NextAsync(CancellationToken ct) => Task.Delay(Interval, ct);
}
