using Threshold.Protocol.Messages;

namespace Threshold.Hub.Server;

/// <summary>
/// The retained <c>state</c> message (<see cref="HubStateReport"/>): latest lock/door and what the last home broker check
/// found (HomeBroker/HomeBrokerWatch.cs), published on connect and on change.
/// </summary>
internal sealed class HubStatus(OutboundWakeup wakeup)
{
    private readonly Lock gate = new();
    private string lockState = LockStates.Unknown;
    private string doorState = DoorStates.Unknown;
    private string homeBroker = HomeBrokerStates.Unknown;
    private bool dirty = true;

    /// <summary><paramref name="lockValue"/> is one of <see cref="LockStates"/>, <paramref name="doorValue"/> of <see cref="DoorStates"/>.</summary>
    public void Update(string lockValue, string doorValue)
    {
        lock (gate)
        {
            if (lockValue == lockState && doorValue == doorState)
            {
                return;
            }

            lockState = lockValue;
            doorState = doorValue;
            dirty = true;
        }

        wakeup.Set();
    }

    /// <summary><paramref name="value"/> is one of <see cref="HomeBrokerStates"/>.</summary>
    public void SetHomeBroker(string value)
    {
        lock (gate)
        {
            if (value == homeBroker)
            {
                return;
            }

            homeBroker = value;
            dirty = true;
        }

        wakeup.Set();
    }

    /// <summary>Marks the state for (re)publishing, e.g. after a reconnect.</summary>
    public void MarkDirty()
    {
        lock (gate)
        {
            dirty = true;
        }

        wakeup.Set();
    }

    public HubStateReport? TakeIfDirty()
    {
        lock (gate)
        {
            if (!dirty)
            {
                return null;
            }

            dirty = false;
            return new HubStateReport(Online: true, lockState, doorState, Camera: false, homeBroker);
        }
    }
}
