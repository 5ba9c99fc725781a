using Threshold.Hub.Zigbee;

namespace Threshold.Hub.Door;

/// <summary>
/// An unlock session and the door's clocks (DESIGN §4): a session starts with an unlock (command, keypad, key) and ends
/// when the bolt is locked. While it lasts and the door stays closed the max-unlocked clock runs; once the door closes
/// again the relock-after-close clock runs; an open door runs the held-open clock. <see cref="DoorController"/> acts
/// when one fires.
/// </summary>
internal sealed class UnlockSession(DoorTimers timers, RelockSettings relock)
{
    public bool Active { get; private set; }

    public void Start(DoorState door)
    {
        Active = true;
        timers.Cancel(DoorTimer.RelockAfterClose);
        if (door == DoorState.Open)
        {
            timers.Cancel(DoorTimer.MaxUnlocked);
        }
        else
        {
            timers.Start(DoorTimer.MaxUnlocked, relock.MaxUnlockedSeconds);
        }
    }

    public void End()
    {
        Active = false;
        timers.Cancel(DoorTimer.RelockAfterClose);
        timers.Cancel(DoorTimer.MaxUnlocked);
    }

    public void DoorOpened()
    {
        timers.Start(DoorTimer.DoorHeldOpen, relock.DoorHeldOpenSeconds);
        timers.Cancel(DoorTimer.MaxUnlocked);
        timers.Cancel(DoorTimer.RelockAfterClose);
    }

    public void DoorClosed(Bolt bolt)
    {
        timers.Cancel(DoorTimer.DoorHeldOpen);
        if (Active && bolt == Bolt.Unlocked)
        {
            timers.Start(DoorTimer.RelockAfterClose, relock.AfterCloseSeconds);
        }
    }
}
