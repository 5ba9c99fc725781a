using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Threshold.Hub.Locks;

/// <summary>Actuation, unlock sessions and their timers: the part of the controller that moves the bolt.</summary>
internal sealed partial class LockController
{
    private async Task OnRelockRequestAsync(RelockRequest request, CancellationToken ct)
    {
        if (bolt == Bolt.Locked && pending is null)
        {
            return;
        }

        if (door == Door.Open)
        {
            if (session is null)
            {
                StartSession("keypad", doorOpened: true);
            }

            return;
        }

        await StartActuationAsync(new ActuateRequest(Bolt.Locked, "auto", request.Reason, null), ct);
    }

    private async Task OnTimerAsync(TimerKind kind, CancellationToken ct)
    {
        switch (kind)
        {
            case TimerKind.DoorHeldOpen when door == Door.Open:
                Alarm("door_held_open");
                break;
            case TimerKind.RelockAfterClose when session is not null && bolt == Bolt.Unlocked && door != Door.Open:
                await StartActuationAsync(new ActuateRequest(Bolt.Locked, "auto", "door_closed", null), ct);
                break;
            case TimerKind.MaxUnlocked when session is not null && bolt == Bolt.Unlocked && door != Door.Open:
                await StartActuationAsync(new ActuateRequest(Bolt.Locked, "auto", "max_unlocked_time", null), ct);
                break;
        }
    }

    private async Task StartActuationAsync(ActuateRequest request, CancellationToken ct)
    {
        if (pending is not null)
        {
            // A newer instruction wins; the older one did not reach its state in time.
            Finish(ActuationResult.Timeout);
        }

        var p = new Pending(++actuationIds, request.Target, request.Source, request.RelockReason, request.Done);
        pending = p;
        if (!Online)
        {
            Finish(ActuationResult.Offline);
            return;
        }

        try
        {
            await zigbee.SetLockAsync(request.Target == Bolt.Locked, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogSendFailed(logger, e.Message);
            Finish(ActuationResult.Offline);
            return;
        }

        if (bolt == request.Target)
        {
            // Already there (zigbee2mqtt would report the same state again; no need to wait for it).
            Finish(ActuationResult.Ok);
            return;
        }

        // Waiting for a device is wall-clock time, not the (possibly simulated) domain clock.
        var id = p.Id;
        _ = Task.Delay(TimeSpan.FromSeconds(settings.CommandTimeoutSeconds), CancellationToken.None)
            .ContinueWith(_ => Post(new ActuationTimedOut(id)), TaskScheduler.Default);
    }

    private void Finish(ActuationResult result)
    {
        if (pending is not { } p)
        {
            return;
        }

        pending = null;
        if (p.RelockReason is { } reason)
        {
            if (result == ActuationResult.Ok)
            {
                Record("relocked", new JsonObject { ["lockId"] = LockId, ["reason"] = reason });
            }
            else
            {
                Alarm("relock_failed", new JsonObject { ["reason"] = reason, ["error"] = result.ToString().ToLowerInvariant() });
            }
        }

        if (result == ActuationResult.Ok && p.Target == Bolt.Unlocked)
        {
            // A (re)confirmed unlock starts a fresh session and its max-unlocked clock.
            StartSession(p.Source, doorOpened: door == Door.Open);
        }
        else if (result == ActuationResult.Ok && p.Target == Bolt.Locked)
        {
            EndSession();
        }

        p.Done?.TrySetResult(result);
    }

    private void StartSession(string source, bool doorOpened)
    {
        session = new Session(source) { DoorOpened = doorOpened };
        CancelTimer(TimerKind.RelockAfterClose);
        if (door == Door.Open)
        {
            CancelTimer(TimerKind.MaxUnlocked);
        }
        else
        {
            StartTimer(TimerKind.MaxUnlocked, settings.Relock.MaxUnlockedSeconds);
        }
    }

    private void EndSession()
    {
        session = null;
        CancelTimer(TimerKind.RelockAfterClose);
        CancelTimer(TimerKind.MaxUnlocked);
    }

    private void StartTimer(TimerKind kind, double seconds)
    {
        CancelTimer(kind);
        var generation = ++timerGeneration;
        var timer = time.CreateTimer(
            _ => Post(new TimerFired(kind, generation)), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
        timers[kind] = (timer, generation);
    }

    private void CancelTimer(TimerKind kind)
    {
        if (timers.Remove(kind, out var t))
        {
            t.Timer.Dispose();
        }
    }

    private sealed record ActuateRequest(Bolt Target, string Source, string? RelockReason, TaskCompletionSource<ActuationResult>? Done);

    private sealed record ActuationTimedOut(long Id);

    private sealed record RelockRequest(string Reason);

    private sealed record TimerFired(TimerKind Kind, long Generation);

    private sealed record Pending(long Id, Bolt Target, string Source, string? RelockReason, TaskCompletionSource<ActuationResult>? Done);

    private sealed class Session(string source)
    {
        public string Source { get; } = source;

        public bool DoorOpened { get; set; }
    }
}
