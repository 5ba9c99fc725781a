namespace Threshold.Testing.Tests;

/// <summary>Eventually and Never keep their promises: woken by the signal, never by a timer, and bounded by the barrier.</summary>
public sealed class WaitingTests
{
    [Fact]
    public async Task UntilAsync_WithSignal_RechecksOnlyWhenItFires()
    {
        var signal = new Signal();
        var checks = 0;
        var done = false;
        var wait = Eventually.UntilAsync(() => { Interlocked.Increment(ref checks); return Volatile.Read(ref done); }, "done", signal);

        Volatile.Write(ref done, true);
        for (var i = 0; i < 20; i++)
        {
            await Task.Yield();
        }

        Assert.False(wait.IsCompleted, "re-checked without a pulse");
        Assert.Equal(1, Volatile.Read(ref checks));
        signal.Pulse();
        await wait;
        Assert.Equal(2, checks);
    }

    [Fact]
    public async Task UntilAsync_NeverTrue_TimesOutNamingWhatItWaitedFor()
    {
        var e = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.UntilAsync(() => false, "the moon", new Signal(), TimeSpan.FromMilliseconds(50)));

        Assert.Contains("the moon", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UntilAsync_WithoutSignal_PollsUntilTrue()
    {
        var done = false;
        var wait = Eventually.UntilAsync(() => Volatile.Read(ref done), "done");

        Volatile.Write(ref done, true);

        await wait;
    }

    [Fact]
    public async Task ValueAsync_ProbeFindsIt_ReturnsTheValue()
    {
        var signal = new Signal();
        string? value = null;
        var wait = Eventually.ValueAsync(() => Volatile.Read(ref value), "a value", signal);

        Volatile.Write(ref value, "found");
        signal.Pulse();

        Assert.Equal("found", await wait);
    }

    [Fact]
    public async Task SignalAny_OneSourceFires_WakesTheWaiter()
    {
        var (a, b) = (new Signal(), new Signal());
        var done = false;
        var wait = Eventually.UntilAsync(() => Volatile.Read(ref done), "done", Signal.Any(a, null, b));

        Volatile.Write(ref done, true);
        b.Pulse();

        await wait;
        Assert.Throws<InvalidOperationException>(() => Signal.Any(a).Pulse());
    }

    [Fact]
    public async Task NeverUntil_ConditionTurnsTrueBeforeBarrier_Fails()
    {
        var signal = new Signal();
        var barrier = new TaskCompletionSource();
        var happened = false;
        var check = Never.UntilAsync(() => Volatile.Read(ref happened), "it happened", () => barrier.Task, signal);

        Volatile.Write(ref happened, true);
        signal.Pulse();

        await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => check);
    }

    [Fact]
    public async Task NeverUntil_BarrierReachedFirst_PassesAndLooksOnceMore()
    {
        var barrier = new TaskCompletionSource();
        var checks = 0;
        var check = Never.UntilAsync(() => Interlocked.Increment(ref checks) < 0, "impossible", () => barrier.Task);

        barrier.SetResult();
        await check;

        Assert.Equal(2, checks);
    }

    [Fact]
    public async Task NeverUntil_BarrierFails_FailsWithIt()
    {
        await Assert.ThrowsAsync<TimeoutException>(() =>
            Never.UntilAsync(() => false, "nothing", () => Eventually.UntilAsync(() => false, "a barrier", new Signal(), TimeSpan.FromMilliseconds(20))));
    }

    [Fact]
    public async Task NeverDuring_ConditionTrue_Fails()
    {
        await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => Never.DuringAsync(() => true, "always", TimeSpan.FromMilliseconds(50)));
    }
}
