namespace Threshold.Testing;

/// <summary>
/// Asserts that something does not happen. The check is bounded by an event wherever one exists (<see cref="UntilAsync"/>:
/// "until the hub has processed the set", "until the next state report"), so it neither passes early nor waits for
/// nothing. <see cref="DuringAsync"/>, a plain time window, is for the few places with no event to wait for.
/// </summary>
public static class Never
{
    /// <summary>
    /// Fails if <paramref name="condition"/> holds at any check before <paramref name="barrier"/> completes: now, each
    /// time <paramref name="checkOn"/> fires meanwhile, and once the barrier has been reached.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, string what, Func<Task> barrier, Signal? checkOn = null)
    {
        var wake = checkOn?.Next;
        Assert.False(condition(), "Unexpected: " + what);
        var reached = barrier();
        while (!reached.IsCompleted)
        {
            await Task.WhenAny(reached, wake ?? reached);
            wake = checkOn?.Next;
            if (!reached.IsCompleted)
            {
                Assert.False(condition(), "Unexpected: " + what);
            }
        }

        await reached;
        Assert.False(condition(), "Unexpected: " + what);
    }

    /// <summary>
    /// Fails if <paramref name="condition"/> holds at any check for <paramref name="window"/> (400 ms unless given).
    /// Only where nothing observable marks the moment the unwanted change would have shown; see <see cref="Poll"/>.
    /// </summary>
    public static async Task DuringAsync(Func<bool> condition, string what, TimeSpan? window = null)
    {
        using var end = new CancellationTokenSource(window ?? Poll.QuietWindow);
        while (!end.IsCancellationRequested)
        {
            Assert.False(condition(), "Unexpected: " + what);
            try
            {
                await Poll.NextAsync(end.Token);
            }
            catch (OperationCanceledException) when (end.IsCancellationRequested)
            {
            }
        }

        Assert.False(condition(), "Unexpected: " + what);
    }
}
