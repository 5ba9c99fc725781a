using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Domain.Deliveries;
using Threshold.Protocol.Access;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Events;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;

namespace Threshold.Server.Hubs;

internal enum DeviceEventKind
{
    DoorOpened,
    DoorClosed,
    BoltLocked,
    BoltUnlocked,
    BoltJammed,
}

/// <summary>
/// Applies what a hub reports about a home's lock and door to the stored state, the open delivery
/// and the audit chain, in one transaction. The hub's signed event batches arrive here.
/// </summary>
internal sealed class DeviceEvents(ThresholdDbContext db, AuditTrail audit, Grants.KeypadEvents keypad, TimeProvider time)
{
    private static readonly DeliveryStatus[] OpenEntry =
        [DeliveryStatus.Unlocked, DeliveryStatus.DoorOpened, DeliveryStatus.DoorClosed, DeliveryStatus.Locked];

    public Task ApplyAsync(Guid homeId, Guid lockId, DeviceEventKind kind, string actor, CancellationToken ct) =>
        db.WriteAsync(audit, c => RecordAsync(homeId, lockId, kind, actor, c), ct);

    /// <summary>
    /// Records one event of a verified hub batch inside the caller's transaction. Door and bolt changes
    /// move the lock state and the open delivery; alarms and everything else are audited as sent (<paramref name="raw"/>).
    /// </summary>
    public async Task RecordHubEventAsync(Guid homeId, HubEvent evt, JsonElement raw, string actor, CancellationToken ct)
    {
        DeviceEventKind? kind = evt switch
        {
            DoorOpened => DeviceEventKind.DoorOpened,
            DoorClosed => DeviceEventKind.DoorClosed,
            BoltLocked => DeviceEventKind.BoltLocked,
            BoltUnlocked => DeviceEventKind.BoltUnlocked,
            BoltJammed or BoltNotFullyLocked => DeviceEventKind.BoltJammed,
            _ => null,
        };
        if (kind is { } k && evt is LockEvent door && await RecordAsync(homeId, door.LockId, k, actor, ct))
        {
            return;
        }

        if (await keypad.TryRecordAsync(homeId, evt, actor, ct))
        {
            return;
        }

        if (evt is CommandExecuted executed)
        {
            await ConfirmDeliveryEntryAsync(homeId, executed, ct);
        }

        await audit.AppendAsync(homeId, evt is Alarm ? AuditTypes.HubAlarm : AuditTypes.HubEvent, actor, raw, ct);
    }

    private async Task<bool> RecordAsync(Guid homeId, Guid lockId, DeviceEventKind kind, string actor, CancellationToken ct)
    {
        var door = await db.Locks.SingleOrDefaultAsync(l => l.Id == lockId && l.HomeId == homeId, ct);
        if (door is null)
        {
            return false;
        }

        switch (kind)
        {
            case DeviceEventKind.DoorOpened: door.Door = "open"; break;
            case DeviceEventKind.DoorClosed: door.Door = "closed"; break;
            case DeviceEventKind.BoltLocked: door.State = "locked"; break;
            case DeviceEventKind.BoltUnlocked: door.State = "unlocked"; break;
            case DeviceEventKind.BoltJammed: door.State = "jammed"; break;
        }

        await audit.AppendAsync(homeId, AuditTypes.DeviceEvent, actor, new { lockId, @event = kind.ToString() }, ct);
        var delivery = await db.Deliveries
            .Where(d => d.HomeId == homeId && OpenEntry.Contains(d.Status))
            .OrderByDescending(d => d.EntryUsedAt)
            .FirstOrDefaultAsync(ct);
        if (delivery is not null)
        {
            await AdvanceAsync(delivery, kind, actor, ct);
        }

        return true;
    }

    /// <summary>The hub's record of the unlock it carried out for a delivery: from here on its door reports count.</summary>
    private async Task ConfirmDeliveryEntryAsync(Guid homeId, CommandExecuted executed, CancellationToken ct)
    {
        if (executed.Cmd != CommandNames.Unlock || !AccessReference.TryParse(executed.Reference, out var reference)
            || reference.Kind != AccessKind.Delivery)
        {
            return;
        }

        var deliveryId = reference.Id;
        var delivery = await db.Deliveries.SingleOrDefaultAsync(d => d.Id == deliveryId && d.HomeId == homeId, ct);
        if (delivery?.EntryUsedAt is not null)
        {
            delivery.ConfirmEntry(time.GetUtcNow());
        }
    }

    /// <summary>
    /// Moves the open delivery along. The door does what it does: an event the state machine does not
    /// expect (opened again after the relock, say) is recorded above but changes no state, and never
    /// blocks the rest of the hub's batch.
    /// </summary>
    private async Task AdvanceAsync(Delivery delivery, DeviceEventKind kind, string actor, CancellationToken ct)
    {
        if (delivery.EntryConfirmedAt is null)
        {
            return; // a report from before the hub carried out this delivery's unlock
        }

        var now = time.GetUtcNow();
        var before = delivery.Status;
        try
        {
            switch (kind)
            {
                case DeviceEventKind.DoorOpened: delivery.RecordDoorOpened(now); break;
                case DeviceEventKind.DoorClosed: delivery.RecordDoorClosed(now); break;
                case DeviceEventKind.BoltLocked: delivery.RecordLocked(now); break;
                case DeviceEventKind.BoltJammed: delivery.Fail("lock_jammed", now); break;
            }
        }
        catch (DomainException)
        {
            return;
        }

        if (delivery.Status != before)
        {
            await audit.AppendAsync(delivery.HomeId, AuditTypes.DeliveryStateChanged, actor,
                new { deliveryId = delivery.Id, status = DeliveryView.StatusName(delivery.Status) }, ct);
        }
    }
}
