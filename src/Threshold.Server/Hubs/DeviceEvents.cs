using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Domain.Deliveries;
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
    /// move the lock state and the open delivery; alarms and everything else are audited as sent.
    /// </summary>
    public async Task RecordHubEventAsync(Guid homeId, System.Text.Json.JsonElement evt, string actor, CancellationToken ct)
    {
        var type = evt.ValueKind == System.Text.Json.JsonValueKind.Object && evt.TryGetProperty("type", out var t) && t.ValueKind == System.Text.Json.JsonValueKind.String
            ? t.GetString()!
            : "unknown";
        Guid? lockId = evt.ValueKind == System.Text.Json.JsonValueKind.Object && evt.TryGetProperty("lockId", out var l)
            && l.ValueKind == System.Text.Json.JsonValueKind.String && Guid.TryParse(l.GetString(), out var id) ? id : null;
        DeviceEventKind? kind = type switch
        {
            "door_opened" => DeviceEventKind.DoorOpened,
            "door_closed" => DeviceEventKind.DoorClosed,
            "bolt_locked" => DeviceEventKind.BoltLocked,
            "bolt_unlocked" => DeviceEventKind.BoltUnlocked,
            "bolt_jammed" or "bolt_not_fully_locked" => DeviceEventKind.BoltJammed,
            _ => null,
        };
        if (kind is { } k && lockId is { } lockGuid && await RecordAsync(homeId, lockGuid, k, actor, ct))
        {
            return;
        }

        if (await keypad.TryRecordAsync(homeId, type, evt, actor, ct))
        {
            return;
        }

        if (type == "command_executed")
        {
            await ConfirmDeliveryEntryAsync(homeId, evt, ct);
        }

        await audit.AppendAsync(homeId, type == "alarm" ? AuditTypes.HubAlarm : AuditTypes.HubEvent, actor, evt, ct);
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
    private async Task ConfirmDeliveryEntryAsync(Guid homeId, System.Text.Json.JsonElement evt, CancellationToken ct)
    {
        if (!evt.TryGetProperty("cmd", out var cmd) || cmd.ValueKind != System.Text.Json.JsonValueKind.String || cmd.GetString() != "unlock"
            || !evt.TryGetProperty("reference", out var reference) || reference.ValueKind != System.Text.Json.JsonValueKind.String
            || reference.GetString() is not { } r || !r.StartsWith("delivery:", StringComparison.Ordinal)
            || !Guid.TryParse(r["delivery:".Length..], out var deliveryId))
        {
            return;
        }

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
