using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Threshold.Hub.Keypad;
using Threshold.Hub.Zigbee;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Door;

/// <summary>
/// What the door controller knows, published after each processed message (tests wait on it). <see cref="LockedWhileOpen"/>:
/// the lock said "locked" through the open door, and the door does not believe it (<see cref="DeviceDoubts"/>).
/// </summary>
internal sealed record DoorSnapshot(
    Bolt Bolt, DoorState Door, bool SessionActive, bool LockOnline, bool ContactOnline, bool BridgeOnline, long Processed,
    bool LockedWhileOpen = false);

/// <summary>
/// The hub's fail-secure logic for one lock and its door sensor (DESIGN §4): unlock sessions, relock after the door
/// closes, after a maximum unlocked time, on start-up and at once after an unlock the hub did not command
/// (<see cref="UnlockOrigins"/>), and the door-held-open, door-forced, lock-jammed, relock-failed, device-offline and
/// device-contradiction alarms (<see cref="DeviceDoubts"/>). One loop handles every input in order; timers use the
/// injected clock.
/// </summary>
internal sealed partial class DoorController : BackgroundService
{
    private readonly Channel<object> inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly DoorEvents events;
    private readonly ILogger<DoorController> logger;
    private readonly DoorTimers timers;
    private readonly UnlockSession session;
    private readonly Actuator actuator;
    private readonly UnlockOrigins origins;
    private readonly DeviceDoubts doubts;

    private Bolt bolt = Bolt.Unknown;
    private DoorState door = DoorState.Unknown;
    private Availability devices = Availability.Unknown;
    private bool startupCheckDone;
    private long processed;
    private volatile DoorSnapshot snapshot = new(Bolt.Unknown, DoorState.Unknown, false, true, true, true, 0);

    public DoorController(
        ZigbeeConnection zigbee, DoorEvents events, KeypadStore keypad, TimeProvider time, IOptions<HubSettings> options, ILogger<DoorController> logger)
    {
        this.events = events;
        this.logger = logger;
        timers = new DoorTimers(time, Post);
        session = new UnlockSession(timers, options.Value.Relock);
        actuator = new Actuator(zigbee, Post, options.Value.CommandTimeoutSeconds, logger);
        origins = new UnlockOrigins(keypad, time);
        doubts = new DeviceDoubts(timers, events, options.Value.Relock.LockedWhileOpenSeconds);
        zigbee.Subscribe(DeviceReader.Door, Post);
    }

    public DoorSnapshot Snapshot => snapshot;

    /// <summary>Sends the lock to the target state and waits until it reports it (or fails).</summary>
    public async Task<ActuationResult> ActuateAsync(bool locked, CancellationToken ct)
    {
        var done = new TaskCompletionSource<ActuationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new ActuateRequest(locked ? Bolt.Locked : Bolt.Unlocked, BoltSources.Command, null, done));
        return await done.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Relocks at once (a keypad entry that should not have opened the door). With the door open the bolt is not thrown
    /// into it: the session's after-close relock applies instead.
    /// </summary>
    public void RelockNow(string reason) => Post(new RelockRequest(reason));

    private void Post(object message) => inbox.Writer.TryWrite(message);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await InboxLoop.RunAsync(inbox.Reader, HandleAsync, (m, e) => LogHandlerFailed(logger, m.GetType().Name, e), Publish, stoppingToken);
        }
        finally
        {
            timers.Dispose();
            actuator.Take()?.Request.Done?.TrySetResult(ActuationResult.Offline);
        }
    }

    private void Publish()
    {
        processed++;
        snapshot = new DoorSnapshot(
            bolt, door, session.Active, devices.Lock != false, devices.Contact != false, devices.Bridge != false, processed, doubts.LockedWhileOpen);
    }

    private async Task HandleAsync(object message, CancellationToken ct)
    {
        switch (message)
        {
            case LockReport report:
                await OnLockReportAsync(report, ct);
                break;
            case ContactReport report:
                OnContact(report);
                break;
            case AvailabilityChanged report:
                OnAvailability(report);
                break;
            case ActuateRequest request:
                await StartActuationAsync(request, ct);
                break;
            case RelockRequest request:
                await OnRelockRequestAsync(request, ct);
                break;
            case ActuationTimedOut timedOut when actuator.Current?.Id == timedOut.Id:
                Finish(ActuationResult.Timeout);
                break;
            case DoorTimers.Fired fired when timers.Take(fired):
                await OnTimerAsync(fired.Kind, ct);
                break;
        }
    }

    private void OnContact(ContactReport report)
    {
        var next = report.Closed ? DoorState.Closed : DoorState.Open;
        if (next == door)
        {
            return;
        }

        var previous = door;
        door = next;
        events.PublishState(bolt, door);
        if (next == DoorState.Open)
        {
            events.DoorOpened();
            session.DoorOpened();
            var unlocking = actuator.Current is { Target: Bolt.Unlocked };
            if (previous == DoorState.Closed && !unlocking
                && (bolt is Bolt.Locked or Bolt.Jammed or Bolt.NotFullyLocked || (bolt == Bolt.Unlocked && !session.Active)))
            {
                events.Alarm(AlarmCodes.DoorForced);
            }
        }
        else
        {
            events.DoorClosed();
            if (doubts.DoorClosed() && !session.Active)
            {
                // The hub did not believe a "locked" through the open door: relock after it closed, as after any entry.
                session.Start(door);
            }

            session.DoorClosed(bolt);
        }
    }

    private void OnAvailability(AvailabilityChanged report)
    {
        devices = report.Now;
        doubts.AvailabilityChanged();
        events.AvailabilityChanged(report.Device, report.Online);
        if (!report.Online && report.Device is DeviceNames.Lock or DeviceNames.Bridge && (report.WasKnown || session.Active))
        {
            events.Alarm(AlarmCodes.DeviceOffline);
        }
    }

    private async Task OnRelockRequestAsync(RelockRequest request, CancellationToken ct)
    {
        if (bolt == Bolt.Locked && actuator.Current is null)
        {
            return;
        }

        if (door == DoorState.Open)
        {
            if (!session.Active)
            {
                session.Start(door);
            }

            return;
        }

        await StartActuationAsync(new ActuateRequest(Bolt.Locked, BoltSources.Auto, request.Reason, null), ct);
    }

    private async Task OnTimerAsync(DoorTimer kind, CancellationToken ct)
    {
        switch (kind)
        {
            case DoorTimer.DoorHeldOpen when door == DoorState.Open:
                events.Alarm(AlarmCodes.DoorHeldOpen);
                break;
            case DoorTimer.RelockAfterClose when session.Active && bolt == Bolt.Unlocked && door != DoorState.Open:
                await StartActuationAsync(new ActuateRequest(Bolt.Locked, BoltSources.Auto, RelockReasons.DoorClosed, null), ct);
                break;
            case DoorTimer.MaxUnlocked when session.Active && bolt == Bolt.Unlocked && door != DoorState.Open:
                await StartActuationAsync(new ActuateRequest(Bolt.Locked, BoltSources.Auto, RelockReasons.MaxUnlockedTime, null), ct);
                break;
            case DoorTimer.LockedWhileOpen when door == DoorState.Open:
                doubts.StillOpen();
                break;
        }
    }

    private async Task StartActuationAsync(ActuateRequest request, CancellationToken ct)
    {
        if (actuator.Current is not null)
        {
            // A newer instruction wins; the older one did not reach its state in time.
            Finish(ActuationResult.Timeout);
        }

        var result = await actuator.SendAsync(request, bolt, devices, ct);
        if (request.Target == Bolt.Unlocked && result != ActuationResult.Offline)
        {
            origins.Sent();
        }

        if (result is { } known)
        {
            Finish(known);
        }
    }

    /// <summary>Ends the current instruction with <paramref name="result"/> and applies what follows from it.</summary>
    private void Finish(ActuationResult result)
    {
        if (actuator.Take() is not { } finished)
        {
            return;
        }

        var request = finished.Request;
        if (request.RelockReason is { } reason)
        {
            if (result == ActuationResult.Ok)
            {
                events.Relocked(reason);
            }
            else
            {
                events.RelockFailed(reason, result);
            }
        }

        if (result == ActuationResult.Ok && request.Target == Bolt.Unlocked)
        {
            // A (re)confirmed unlock starts a fresh session and its max-unlocked clock.
            session.Start(door);
        }
        else if (result == ActuationResult.Ok && request.Target == Bolt.Locked)
        {
            session.End();
        }
        else if (request.Target == Bolt.Unlocked)
        {
            // The hub told the server its unlock failed: a late report of it is no longer the hub's.
            origins.Forget();
        }

        request.Done?.TrySetResult(result);
    }

    private sealed record RelockRequest(string Reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Door controller failed handling {Message}")]
    private static partial void LogHandlerFailed(ILogger logger, string message, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lock found unlocked at start-up with no session: relocking")]
    private static partial void LogStartupUnlocked(ILogger logger);

}
