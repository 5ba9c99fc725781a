using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Threshold.Hub.Outbox;
using Threshold.Hub.Server;

namespace Threshold.Hub.Locks;

internal enum ActuationResult
{
    Ok,
    Timeout,
    Jammed,
    Offline,
}

/// <summary>What the controller knows, published after each processed message (tests wait on it).</summary>
internal sealed record LockSnapshot(
    Bolt Bolt, Door Door, bool SessionActive, bool LockOnline, bool ContactOnline, bool BridgeOnline, long Processed);

/// <summary>
/// The hub's fail-secure logic for one lock and its door sensor (DESIGN §4): unlock sessions, auto-relock after
/// the door closes or after a maximum unlocked time, relock on start-up, and the door-held-open, door-forced,
/// lock-jammed and relock-failed alarms. One loop handles every input in order; timers use the injected clock.
/// </summary>
internal sealed partial class LockController(
    ZigbeeConnection zigbee,
    EventOutbox outbox,
    HubStatus status,
    HubRuntime runtime,
    TimeProvider time,
    IOptions<HubSettings> options,
    ILogger<LockController> logger) : BackgroundService
{
    private readonly Channel<object> inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HubSettings settings = options.Value;
    private readonly Dictionary<TimerKind, (ITimer Timer, long Generation)> timers = [];
    private long timerGeneration;
    private long actuationIds;

    private Bolt bolt = Bolt.Unknown;
    private Door door = Door.Unknown;
    private bool? lockOnline, contactOnline, bridgeOnline;
    private Session? session;
    private Pending? pending;
    private bool startupCheckDone;
    private long processed;
    private volatile LockSnapshot snapshot = new(Bolt.Unknown, Door.Unknown, false, true, true, true, 0);

    private enum TimerKind
    {
        RelockAfterClose,
        MaxUnlocked,
        DoorHeldOpen,
    }

    public LockSnapshot Snapshot => snapshot;

    private string? LockId => runtime.LockId;

    private bool Online => lockOnline != false && bridgeOnline != false && zigbee.Client.IsConnected;

    public void Post(object message) => inbox.Writer.TryWrite(message);

    /// <summary>Sends the lock to the target state and waits until it reports it (or fails).</summary>
    public async Task<ActuationResult> ActuateAsync(bool locked, CancellationToken ct)
    {
        var done = new TaskCompletionSource<ActuationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(new ActuateRequest(locked ? Bolt.Locked : Bolt.Unlocked, "command", null, done));
        return await done.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Relocks at once (a keypad entry that should not have opened the door). With the door open the bolt is not thrown
    /// into it: the session's after-close relock applies instead.
    /// </summary>
    public void RelockNow(string reason) => Post(new RelockRequest(reason));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in inbox.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await HandleAsync(message, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    LogHandlerFailed(logger, message.GetType().Name, e);
                }

                processed++;
                snapshot = new LockSnapshot(bolt, door, session is not null, lockOnline != false, contactOnline != false, bridgeOnline != false, processed);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var (timer, _) in timers.Values)
            {
                timer.Dispose();
            }

            pending?.Done?.TrySetResult(ActuationResult.Offline);
        }
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
            case AvailabilityReport report:
                OnAvailability(report);
                break;
            case ActuateRequest request:
                await StartActuationAsync(request, ct);
                break;
            case RelockRequest relock:
                await OnRelockRequestAsync(relock, ct);
                break;
            case ActuationTimedOut timedOut when pending is { } p && p.Id == timedOut.Id:
                Finish(ActuationResult.Timeout);
                break;
            case TimerFired fired when timers.TryGetValue(fired.Kind, out var t) && t.Generation == fired.Generation:
                timers.Remove(fired.Kind);
                t.Timer.Dispose();
                await OnTimerAsync(fired.Kind, ct);
                break;
        }
    }

    private async Task OnLockReportAsync(LockReport report, CancellationToken ct)
    {
        var next = report.Jammed ? Bolt.Jammed : report.Bolt ?? bolt;
        var source = pending?.Source ?? SourceOf(report);
        var changed = next != bolt;
        if (changed)
        {
            bolt = next;
            Record(next switch
            {
                Bolt.Locked => "bolt_locked",
                Bolt.Unlocked => "bolt_unlocked",
                Bolt.Jammed => "bolt_jammed",
                _ => "bolt_not_fully_locked",
            }, new JsonObject { ["lockId"] = LockId, ["source"] = source });
            if (next is Bolt.Jammed or Bolt.NotFullyLocked)
            {
                Alarm("lock_jammed");
            }

            PublishState();
        }

        if (pending is { } p)
        {
            if (bolt == p.Target)
            {
                Finish(ActuationResult.Ok);
            }
            else if (bolt is Bolt.Jammed || (p.Target == Bolt.Locked && bolt == Bolt.NotFullyLocked))
            {
                Finish(ActuationResult.Jammed);
            }
        }

        if (bolt == Bolt.Locked)
        {
            EndSession();
        }
        else if (bolt == Bolt.Unlocked && session is null && pending is null)
        {
            if (!startupCheckDone)
            {
                // Fail secure: found open with no session we know of.
                LogStartupUnlocked(logger);
                if (door == Door.Open)
                {
                    StartSession("startup", doorOpened: true);
                }
                else
                {
                    await StartActuationAsync(new ActuateRequest(Bolt.Locked, "auto", "startup", null), ct);
                }
            }
            else if (changed)
            {
                // Keypad, key or thumb-turn: a session like any other, relocked by the same rules.
                StartSession(source, doorOpened: false);
            }
        }

        if (report.Bolt is not null || report.Jammed)
        {
            startupCheckDone = true;
        }
    }

    private void OnContact(ContactReport report)
    {
        var next = report.Closed ? Door.Closed : Door.Open;
        if (next == door)
        {
            return;
        }

        var previous = door;
        door = next;
        PublishState();
        if (next == Door.Open)
        {
            Record("door_opened", new JsonObject { ["lockId"] = LockId });
            StartTimer(TimerKind.DoorHeldOpen, settings.Relock.DoorHeldOpenSeconds);
            CancelTimer(TimerKind.MaxUnlocked);
            CancelTimer(TimerKind.RelockAfterClose);
            var unlocking = pending is { Target: Bolt.Unlocked };
            if (previous == Door.Closed && !unlocking
                && (bolt is Bolt.Locked or Bolt.Jammed or Bolt.NotFullyLocked || (bolt == Bolt.Unlocked && session is null)))
            {
                Alarm("door_forced");
            }

            if (session is not null)
            {
                session.DoorOpened = true;
            }
        }
        else
        {
            Record("door_closed", new JsonObject { ["lockId"] = LockId });
            CancelTimer(TimerKind.DoorHeldOpen);
            if (session is not null && bolt == Bolt.Unlocked)
            {
                StartTimer(TimerKind.RelockAfterClose, settings.Relock.AfterCloseSeconds);
            }
        }
    }

    private void OnAvailability(AvailabilityReport report)
    {
        ref var known = ref lockOnline;
        if (report.Device == "contact")
        {
            known = ref contactOnline;
        }
        else if (report.Device == "bridge")
        {
            known = ref bridgeOnline;
        }

        if (known == report.Online)
        {
            return;
        }

        var wasKnown = known is not null;
        known = report.Online;
        Record("device_availability", new JsonObject { ["device"] = report.Device, ["online"] = report.Online });
        if (!report.Online && report.Device is "lock" or "bridge" && (wasKnown || session is not null))
        {
            Alarm("device_offline");
        }
    }

    private void Alarm(string alarm, JsonObject? extra = null) => outbox.Alarm(alarm, LockId, extra);

    private void Record(string type, JsonObject fields) => outbox.Append(type, fields);

    private void PublishState() => status.Update(
        bolt switch
        {
            Bolt.Locked => "locked",
            Bolt.Unlocked => "unlocked",
            Bolt.Jammed or Bolt.NotFullyLocked => "jammed",
            _ => "unknown",
        },
        door switch
        {
            Door.Open => "open",
            Door.Closed => "closed",
            _ => "unknown",
        });

    private static string SourceOf(LockReport report) => (report.Action, report.ActionSource) switch
    {
        (_, "keypad") => "keypad",
        ("auto_lock" or "schedule_lock" or "schedule_unlock", _) => "auto",
        (_, "rf") => "command",
        _ => "manual",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Lock controller failed handling {Message}")]
    private static partial void LogHandlerFailed(ILogger logger, string message, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lock found unlocked at start-up with no session: relocking")]
    private static partial void LogStartupUnlocked(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send to the lock: {Error}")]
    private static partial void LogSendFailed(ILogger logger, string error);
}
