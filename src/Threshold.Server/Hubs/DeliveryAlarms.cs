using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Deliveries;
using Threshold.Protocol.Events;
using Threshold.Server.Audit;
using Threshold.Server.Data;

namespace Threshold.Server.Hubs;

/// <summary>
/// The alarm the server raises itself when a hub goes offline while a delivery is under way at its home (DESIGN §4):
/// a courier at the door or inside, and nobody can see or relock the door. One per delivery, with its id; it is pushed
/// like every alarm (src/Threshold.Server/Notifications/NotificationRules.cs).
/// </summary>
internal static class DeliveryAlarms
{
    private static readonly DeliveryStatus[] UnderWay =
    [
        DeliveryStatus.Arrived, DeliveryStatus.AwaitingApproval, DeliveryStatus.Unlocked, DeliveryStatus.DoorOpened,
        DeliveryStatus.DoorClosed, DeliveryStatus.Locked,
    ];

    public static async Task HubOfflineAsync(ThresholdDbContext db, AuditTrail audit, Hub hub, CancellationToken ct)
    {
        var deliveries = await db.Deliveries.AsNoTracking()
            .Where(d => d.HomeId == hub.HomeId && UnderWay.Contains(d.Status))
            .Select(d => d.Id).ToListAsync(ct);
        foreach (var deliveryId in deliveries)
        {
            await audit.AppendAsync(hub.HomeId, AuditTypes.HubAlarm, "server",
                new { alarm = AlarmCodes.HubOfflineDuringDelivery, hubId = hub.Id, deliveryId }, ct);
        }
    }
}
