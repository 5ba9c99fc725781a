using Threshold.Hub.Zigbee;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Door;

/// <summary>
/// Lock reports the door does not take as facts, because the devices contradict them: a report while zigbee2mqtt says
/// the lock or its bridge is offline (zigbee2mqtt publishes nothing for a device it cannot reach, and nothing at all
/// while the bridge is down, so someone else on the home broker sent it), and "locked" while the contact reports the
/// door open. The first is dropped (one alarm per offline spell). The second is not believed either, even once the door
/// closes: anyone on the home broker can see the contact and time a forged "locked" to it, and believing it would cancel
/// the relock after the door closes. It is an alarm once it has lasted longer than a bolt takes
/// (<see cref="RelockSettings.LockedWhileOpenSeconds"/>), and the door is relocked after it closes, as after any entry.
/// </summary>
internal sealed class DeviceDoubts(DoorTimers timers, DoorEvents events, double lockedWhileOpenSeconds)
{
    private bool lockedWhileOpen;
    private bool withoutDeviceRaised;

    /// <summary>"Locked" came while the door is open, and it is still open.</summary>
    public bool LockedWhileOpen => lockedWhileOpen;

    /// <summary>False: the door must not act on <paramref name="report"/>.</summary>
    public bool Believe(LockReport report, Availability devices, DoorState door, Bolt bolt)
    {
        if (devices.Lock == false || devices.Bridge == false)
        {
            // A retained replay on reconnect is the broker's memory, not a device speaking: dropped, no alarm.
            if (!report.Retained && !withoutDeviceRaised)
            {
                withoutDeviceRaised = true;
                events.Alarm(AlarmCodes.LockReportWithoutDevice);
            }

            return false;
        }

        if (report is { Bolt: Bolt.Locked, Jammed: false } && door == DoorState.Open && bolt != Bolt.Locked)
        {
            if (!lockedWhileOpen)
            {
                timers.Start(DoorTimer.LockedWhileOpen, lockedWhileOpenSeconds);
            }

            lockedWhileOpen = true;
            return false;
        }

        // Any other report is newer than a disbelieved "locked".
        DoorClosed();
        return true;
    }

    /// <summary>The door closed (or the lock said something else): true when "locked" had come while it was open.</summary>
    public bool DoorClosed()
    {
        var was = lockedWhileOpen;
        lockedWhileOpen = false;
        timers.Cancel(DoorTimer.LockedWhileOpen);
        return was;
    }

    /// <summary>The bound passed with the door still open.</summary>
    public void StillOpen()
    {
        if (lockedWhileOpen)
        {
            events.Alarm(AlarmCodes.LockedWhileOpen);
        }
    }

    /// <summary>A device came back (or went away again): a later report without a device is a new alarm.</summary>
    public void AvailabilityChanged() => withoutDeviceRaised = false;
}
