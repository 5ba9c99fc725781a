using Microsoft.Extensions.Logging;
using Threshold.Hub.Zigbee;

namespace Threshold.Hub.Door;

internal enum ActuationResult
{
    Ok,
    Timeout,
    Jammed,
    Offline,
}

/// <summary>An instruction to move the bolt: who asked (<c>command</c>, <c>auto</c>), and why when it is a relock.</summary>
internal sealed record ActuateRequest(Bolt Target, string Source, string? RelockReason, TaskCompletionSource<ActuationResult>? Done);

/// <summary>The actuation <paramref name="Id"/> did not reach its state in time (posted to the door's inbox).</summary>
internal sealed record ActuationTimedOut(long Id);

/// <summary>
/// The one instruction the lock is carrying out (<see cref="DoorController"/> decides what follows from its end): sent
/// over zigbee, then done when the lock reports the target, jams, or the command timeout passes. A newer instruction
/// replaces the older one, which the controller first ends as timed out.
/// </summary>
internal sealed partial class Actuator(ZigbeeConnection zigbee, Action<object> post, double timeoutSeconds, ILogger logger)
{
    private long ids;

    public Instruction? Current { get; private set; }

    /// <summary>
    /// Makes <paramref name="request"/> the current instruction and sends it. Returns its result when that is already
    /// known (lock unreachable as the door last heard, send failed, bolt already there); null when the lock's report or
    /// the timeout decides.
    /// </summary>
    public async Task<ActuationResult?> SendAsync(ActuateRequest request, Bolt bolt, Availability devices, CancellationToken ct)
    {
        var current = new Instruction(++ids, request);
        Current = current;
        if (!devices.LockReachable(zigbee.IsConnected))
        {
            return ActuationResult.Offline;
        }

        try
        {
            await zigbee.SendAsync(new MoveBolt(request.Target == Bolt.Locked), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogSendFailed(logger, e.Message);
            return ActuationResult.Offline;
        }

        if (bolt == request.Target)
        {
            // Already there (zigbee2mqtt would report the same state again; no need to wait for it).
            return ActuationResult.Ok;
        }

        // Waiting for a device is wall-clock time, not the (possibly simulated) domain clock.
        _ = Task.Delay(TimeSpan.FromSeconds(timeoutSeconds), CancellationToken.None)
            .ContinueWith(_ => post(new ActuationTimedOut(current.Id)), TaskScheduler.Default);
        return null;
    }

    /// <summary>Ends the current instruction (if any) and returns it.</summary>
    public Instruction? Take()
    {
        var current = Current;
        Current = null;
        return current;
    }

    internal sealed record Instruction(long Id, ActuateRequest Request)
    {
        public Bolt Target => Request.Target;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send to the lock: {Error}")]
    private static partial void LogSendFailed(ILogger logger, string error);
}
