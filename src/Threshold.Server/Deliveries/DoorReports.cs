using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Domain.Deliveries;
using Threshold.Protocol.Access;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Events;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Server.Keypad;

namespace Threshold.Server.Deliveries;

internal enum DeviceEventKind
{
    DoorOpened,
    DoorClosed,
    BoltLocked,
    BoltUnlocked,
    BoltJammed,
}

/// <summary>
/// What the hub reports about the home's door, as far as a delivery is concerned: door and bolt changes move the lock's
/// stored state and the delivery whose entry is open (unlocked → door opened → closed → locked = completed; jammed =
/// failed), the hub's record of a delivery's unlock confirms its entry, and a delivery's keypad code typed at the door
/// is its entry. "Locked" while the door is open (as last reported) moves no delivery and is an alarm: anyone on the home
/// network may have said it, and a delivery completed on it leaves the door unlocked behind the courier. The delivery
/// completes on a "locked" after the door closed. Runs inside the transaction that applies the hub's batch
/// (<c>Hubs/HubInbox.cs</c>).
/// </summary>
internal sealed class DoorReports(ThresholdDbContext db, AuditTrail audit, TimeProvider time) : IHubEventHandler
{
    private static readonly DeliveryStatus[] OpenEntry =
        [DeliveryStatus.Unlocked, DeliveryStatus.DoorOpened, DeliveryStatus.DoorClosed, DeliveryStatus.Locked];

    /// <summary>One door or bolt report in a write of its own (tests apply reports one by one with it).</summary>
    public Task ApplyAsync(Guid homeId, Guid lockId, DeviceEventKind kind, string actor, CancellationToken ct) =>
        db.WriteAsync(audit, c => RecordAsync(homeId, lockId, kind, actor, c), ct);

    public async Task<bool> ApplyAsync(Guid homeId, HubEvent evt, string actor, CancellationToken ct)
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
        switch (evt)
        {
            case LockEvent door when kind is { } k:
                return await RecordAsync(homeId, door.LockId, k, actor, ct);
            case KeypadEntry entry when CredentialIds.Parse(entry.CredentialId) is { } id:
                return await KeypadEntryAsync(homeId, id, actor, ct);
            case CommandExecuted executed:
                await ConfirmDeliveryEntryAsync(homeId, executed, ct);
                return false; // audited as sent, too
            default:
                return false;
        }
    }

    private async Task<bool> RecordAsync(Guid homeId, Guid lockId, DeviceEventKind kind, string actor, CancellationToken ct)
    {
        var door = await db.Locks.SingleOrDefaultAsync(l => l.Id == lockId && l.HomeId == homeId, ct);
        if (door is null)
        {
            return false;
        }

        var lockedWhileOpen = kind == DeviceEventKind.BoltLocked && door.Door == "open";
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
        if (delivery is { EntryConfirmedAt: not null } && lockedWhileOpen)
        {
            await audit.AppendAsync(homeId, AuditTypes.HubAlarm, actor, new { alarm = AlarmCodes.LockedWhileOpen, lockId, deliveryId = delivery.Id }, ct);
        }
        else if (delivery is not null)
        {
            await AdvanceAsync(delivery, kind, actor, ct);
        }

        return true;
    }

    /// <summary>A delivery's keypad code opened the door: that is its one entry, and the code is spent.</summary>
    private async Task<bool> KeypadEntryAsync(Guid homeId, Guid credentialId, string actor, CancellationToken ct)
    {
        var credential = await db.Credentials.SingleOrDefaultAsync(c => c.Id == credentialId && c.HomeId == homeId, ct);
        if (credential is not { Kind: CredentialKind.Delivery })
        {
            return false; // a grant's code, or none of ours: the keypad's reports (Keypad/SlotReports.cs)
        }

        var now = time.GetUtcNow();
        var delivery = await db.Deliveries.SingleAsync(d => d.Id == credentialId, ct);
        try
        {
            delivery.ConsumeEntry(now);
            delivery.ConfirmEntry(now);
            await audit.AppendAsync(homeId, AuditTypes.DeliveryStateChanged, actor, new { deliveryId = delivery.Id, status = DeliveryView.StatusName(delivery.Status), via = "keypad" }, ct);
        }
        catch (DomainException e)
        {
            // The code opened the door although the server would not have: say so loudly.
            await audit.AppendAsync(homeId, AuditTypes.HubAlarm, actor, new { alarm = "unexpected_keypad_entry", deliveryId = delivery.Id, reason = e.Code }, ct);
        }

        credential.Active = false;
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
