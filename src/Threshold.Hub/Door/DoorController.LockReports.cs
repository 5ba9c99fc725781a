using Microsoft.Extensions.Logging;
using Threshold.Hub.Zigbee;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Door;

/// <summary>
/// The door's reading of the lock's reports: what it believes (<see cref="DeviceDoubts"/>), who moved the bolt
/// (<see cref="UnlockOrigins"/>), and what follows: the instruction under way ends, a session starts or ends, an unlock
/// the hub did not command is relocked at once, the start-up check relocks a bolt found open.
/// </summary>
internal sealed partial class DoorController
{
    private async Task OnLockReportAsync(LockReport report, CancellationToken ct)
    {
        // Contradictions are alarms, not facts: a report zigbee2mqtt cannot have sent, or "locked" through an open door.
        if (!doubts.Believe(report, devices, door, bolt))
        {
            return;
        }

        var next = report.Jammed ? Bolt.Jammed : report.Bolt ?? bolt;
        UnlockVerdict? verdict = startupCheckDone && ((next == Bolt.Unlocked && bolt != Bolt.Unlocked) || report.UnlockAction)
            ? origins.Judge(report, pending: actuator.Current is { Target: Bolt.Unlocked })
            : null;
        var source = verdict switch
        {
            UnlockVerdict.Commanded => actuator.Current?.Request.Source ?? BoltSources.Command,
            null => actuator.Current?.Request.Source ?? report.Source,
            _ => report.Source,
        };
        var changed = next != bolt;
        if (changed)
        {
            bolt = next;
            events.BoltMoved(next, source);
            if (next is Bolt.Jammed or Bolt.NotFullyLocked)
            {
                events.Alarm(AlarmCodes.LockJammed);
            }

            events.PublishState(bolt, door);
        }

        if (actuator.Current is { } current)
        {
            if (bolt == current.Target)
            {
                Finish(ActuationResult.Ok);
            }
            else if (bolt is Bolt.Jammed || (current.Target == Bolt.Locked && bolt == Bolt.NotFullyLocked))
            {
                Finish(ActuationResult.Jammed);
            }
        }

        if (bolt == Bolt.Locked)
        {
            session.End();
            if (changed)
            {
                // Not on any report that says "locked": one about a PIN slot may carry the state from before an unlock.
                origins.Forget();
            }
        }

        if (verdict == UnlockVerdict.NotCommanded)
        {
            // Whoever sent it, the hub did not: relock now, not after the maximum unlocked time.
            LogUnlockNotCommanded(logger, source);
            events.Alarm(AlarmCodes.UnlockNotCommanded, source);
            await OnRelockRequestAsync(new RelockRequest(RelockReasons.UnlockNotCommanded), ct);
        }
        else if (bolt == Bolt.Unlocked && !session.Active && actuator.Current is null)
        {
            if (!startupCheckDone)
            {
                // Fail secure: found open with no session we know of.
                LogStartupUnlocked(logger);
                if (door == DoorState.Open)
                {
                    session.Start(door);
                }
                else
                {
                    await StartActuationAsync(new ActuateRequest(Bolt.Locked, BoltSources.Auto, RelockReasons.Startup, null), ct);
                }
            }
            else if (changed)
            {
                // Keypad, key or thumb-turn: a session like any other, relocked by the same rules.
                session.Start(door);
            }
        }

        if (verdict == UnlockVerdict.ManualDuringLockout)
        {
            // Not relocked: a thumb-turn is turned from inside, by someone already in (who may be leaving in a hurry);
            // the session's relock rules still apply once they are out.
            events.Alarm(AlarmCodes.ManualUnlockDuringLockout);
        }

        if (report.Bolt is not null || report.Jammed)
        {
            startupCheckDone = true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unlock the hub did not command (source {Source}): relocking")]
    private static partial void LogUnlockNotCommanded(ILogger logger, string source);
}
