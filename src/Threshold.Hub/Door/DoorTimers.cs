namespace Threshold.Hub.Door;

internal enum DoorTimer
{
    RelockAfterClose,
    MaxUnlocked,
    DoorHeldOpen,
    LockedWhileOpen,
}

/// <summary>
/// The door's one-shot timers on the injected clock. A timer posts <see cref="Fired"/> to the door's inbox; a fired
/// timer counts only if it was not cancelled or restarted meanwhile (<see cref="Take"/>), so a late callback is harmless.
/// </summary>
internal sealed class DoorTimers(TimeProvider time, Action<object> post) : IDisposable
{
    private readonly Dictionary<DoorTimer, (ITimer Timer, long Generation)> running = [];
    private long generation;

    public void Start(DoorTimer kind, double seconds)
    {
        Cancel(kind);
        var current = ++generation;
        var timer = time.CreateTimer(_ => post(new Fired(kind, current)), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
        running[kind] = (timer, current);
    }

    public void Cancel(DoorTimer kind)
    {
        if (running.Remove(kind, out var t))
        {
            t.Timer.Dispose();
        }
    }

    /// <summary>True when <paramref name="fired"/> is the timer still running; it stops running.</summary>
    public bool Take(Fired fired)
    {
        if (!running.TryGetValue(fired.Kind, out var t) || t.Generation != fired.Generation)
        {
            return false;
        }

        running.Remove(fired.Kind);
        t.Timer.Dispose();
        return true;
    }

    public void Dispose()
    {
        foreach (var (timer, _) in running.Values)
        {
            timer.Dispose();
        }

        running.Clear();
    }

    internal sealed record Fired(DoorTimer Kind, long Generation);
}
