using System.Text.Json.Nodes;
using Threshold.Hub.Outbox;
using Threshold.Hub.Server;
using Threshold.Hub.Storage;
using Threshold.Hub.Zigbee;

namespace Threshold.Hub.Door;

/// <summary>What the door tells the server: events and alarms through the outbox, and the retained lock/door state.</summary>
internal sealed class DoorEvents(EventOutbox outbox, HubStatus status, HubRuntime runtime)
{
    private string? LockId => runtime.LockId;

    public void BoltMoved(Bolt bolt, string source) => outbox.Append(
        bolt switch
        {
            Bolt.Locked => "bolt_locked",
            Bolt.Unlocked => "bolt_unlocked",
            Bolt.Jammed => "bolt_jammed",
            _ => "bolt_not_fully_locked",
        },
        new JsonObject { ["lockId"] = LockId, ["source"] = source });

    public void DoorOpened() => outbox.Append("door_opened", new JsonObject { ["lockId"] = LockId });

    public void DoorClosed() => outbox.Append("door_closed", new JsonObject { ["lockId"] = LockId });

    public void AvailabilityChanged(string device, bool online) =>
        outbox.Append("device_availability", new JsonObject { ["device"] = device, ["online"] = online });

    public void Relocked(string reason) => outbox.Append("relocked", new JsonObject { ["lockId"] = LockId, ["reason"] = reason });

    public void RelockFailed(string reason, ActuationResult result) =>
        Alarm("relock_failed", new JsonObject { ["reason"] = reason, ["error"] = result.ToString().ToLowerInvariant() });

    public void Alarm(string alarm, JsonObject? extra = null) => outbox.Alarm(alarm, LockId, extra);

    public void PublishState(Bolt bolt, DoorState door) => status.Update(
        bolt switch
        {
            Bolt.Locked => "locked",
            Bolt.Unlocked => "unlocked",
            Bolt.Jammed or Bolt.NotFullyLocked => "jammed",
            _ => "unknown",
        },
        door switch
        {
            DoorState.Open => "open",
            DoorState.Closed => "closed",
            _ => "unknown",
        });
}
