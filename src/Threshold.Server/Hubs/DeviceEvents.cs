using Microsoft.EntityFrameworkCore;
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
internal sealed class DeviceEvents(ThresholdDbContext db, AuditTrail audit, TimeProvider time)
{
    private static readonly DeliveryStatus[] OpenEntry =
        [DeliveryStatus.Unlocked, DeliveryStatus.DoorOpened, DeliveryStatus.DoorClosed, DeliveryStatus.Locked];

    public Task ApplyAsync(Guid homeId, Guid lockId, DeviceEventKind kind, string actor, CancellationToken ct) =>
        db.WriteAsync(audit, async c =>
        {
            var door = await db.Locks.SingleOrDefaultAsync(l => l.Id == lockId && l.HomeId == homeId, c);
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

            await audit.AppendAsync(homeId, AuditTypes.DeviceEvent, actor, new { lockId, @event = kind.ToString() }, c);

            var now = time.GetUtcNow();
            var delivery = await db.Deliveries
                .Where(d => d.HomeId == homeId && OpenEntry.Contains(d.Status))
                .OrderByDescending(d => d.EntryUsedAt)
                .FirstOrDefaultAsync(c);
            if (delivery is null)
            {
                return true;
            }

            var before = delivery.Status;
            switch (kind)
            {
                case DeviceEventKind.DoorOpened: delivery.RecordDoorOpened(now); break;
                case DeviceEventKind.DoorClosed: delivery.RecordDoorClosed(now); break;
                case DeviceEventKind.BoltLocked: delivery.RecordLocked(now); break;
                case DeviceEventKind.BoltJammed: delivery.Fail("lock_jammed", now); break;
            }

            if (delivery.Status != before)
            {
                await audit.AppendAsync(homeId, AuditTypes.DeliveryStateChanged, actor,
                    new { deliveryId = delivery.Id, status = DeliveryView.StatusName(delivery.Status) }, c);
            }

            return true;
        }, ct);
}
