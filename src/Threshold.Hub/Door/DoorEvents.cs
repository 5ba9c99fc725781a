using Threshold.Hub.Outbox;
using Threshold.Hub.Server;
using Threshold.Hub.Storage;
using Threshold.Hub.Zigbee;
using Threshold.Protocol.Events;
using Threshold.Protocol.Messages;

namespace Threshold.Hub.Door;

/// <summary>
/// What the door tells the server: its events and alarms (Protocol's records, through the outbox; id and time are the
/// outbox's) and the retained lock/door state.
/// </summary>
internal sealed class DoorEvents(EventOutbox outbox, HubStatus status, HubRuntime runtime)
{
    // Every home has a lock (the server creates one with it); a hub paired without one reports under the empty id.
    private Guid LockId => runtime.LockId ?? Guid.Empty;

    public void BoltMoved(Bolt bolt, string source) => outbox.Append(bolt switch
    {
        Bolt.Locked => new BoltLocked(0, default, LockId, source),
        Bolt.Unlocked => new BoltUnlocked(0, default, LockId, source),
        Bolt.Jammed => new BoltJammed(0, default, LockId, source),
        _ => new BoltNotFullyLocked(0, default, LockId, source),
    });

    public void DoorOpened() => outbox.Append(new DoorOpened(0, default, LockId));

    public void DoorClosed() => outbox.Append(new DoorClosed(0, default, LockId));

    public void AvailabilityChanged(string device, bool online) => outbox.Append(new DeviceAvailability(0, default, device, online));

    public void Relocked(string reason) => outbox.Append(new Relocked(0, default, LockId, reason));

    public void RelockFailed(string reason, ActuationResult result) =>
        outbox.Append(new Alarm(0, default, AlarmCodes.RelockFailed, LockId, Reason: reason, Error: result.ToString().ToLowerInvariant()));

    public void Alarm(string code, string? reason = null) => outbox.Append(new Alarm(0, default, code, LockId, Reason: reason));

    public void PublishState(Bolt bolt, DoorState door) => status.Update(
        bolt switch
        {
            Bolt.Locked => LockStates.Locked,
            Bolt.Unlocked => LockStates.Unlocked,
            Bolt.Jammed or Bolt.NotFullyLocked => LockStates.Jammed,
            _ => LockStates.Unknown,
        },
        door switch
        {
            DoorState.Open => DoorStates.Open,
            DoorState.Closed => DoorStates.Closed,
            _ => DoorStates.Unknown,
        });
}
