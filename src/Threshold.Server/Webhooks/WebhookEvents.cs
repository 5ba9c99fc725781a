using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;

namespace Threshold.Server.Webhooks;

/// <summary>
/// The events a carrier can be sent, and which a write's change to a delivery makes: read from the tracked change
/// (status before and after), so whatever path changed the delivery — courier, carrier, resident, hub report, expiry —
/// the event follows. Names are the delivery's status names (DeliveryView.StatusName), plus approved and denied.
/// </summary>
internal static class WebhookEvents
{
    public const string Scheduled = "scheduled";
    public const string Arrived = "arrived";
    public const string AwaitingApproval = "awaiting_approval";
    public const string Approved = "approved";
    public const string Denied = "denied";
    public const string Declined = "declined";
    public const string Unlocked = "unlocked";
    public const string DoorOpened = "door_opened";
    public const string DoorClosed = "door_closed";
    public const string Locked = "locked";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Scheduled, Arrived, AwaitingApproval, Approved, Denied, Declined, Unlocked, DoorOpened, DoorClosed, Locked,
        Completed, Failed, Cancelled, Expired,
    };

    /// <summary>The events this tracked delivery's change makes, in the order they happened; empty when it made none.</summary>
    public static IReadOnlyList<string> Of(EntityEntry<Delivery> entry)
    {
        var delivery = entry.Entity;
        if (entry.State == EntityState.Added)
        {
            return [Scheduled];
        }

        if (entry.State != EntityState.Modified)
        {
            return [];
        }

        var status = entry.Property(d => d.Status);
        var before = status.OriginalValue;
        var after = delivery.Status;
        if (before == after)
        {
            // A courier who knocked again after the household's silence timed out is asked about anew.
            return after == DeliveryStatus.AwaitingApproval && entry.Property(d => d.ApprovalRequestedAt).IsModified ? [AwaitingApproval] : [];
        }

        return after switch
        {
            // One write may arrive and ask the household at once; the carrier hears both steps.
            DeliveryStatus.AwaitingApproval when before == DeliveryStatus.Scheduled => [Arrived, AwaitingApproval],
            DeliveryStatus.AwaitingApproval => [AwaitingApproval],
            DeliveryStatus.Arrived when before == DeliveryStatus.AwaitingApproval && delivery.ApprovedAt is not null => [Approved],
            DeliveryStatus.Arrived => [Arrived],
            DeliveryStatus.Declined when delivery.FailureReason == ReasonCodes.ApprovalDenied => [Denied],
            DeliveryStatus.Declined => [Declined],
            DeliveryStatus.Unlocked => [Unlocked],
            DeliveryStatus.DoorOpened => [DoorOpened],
            DeliveryStatus.DoorClosed => [DoorClosed],
            DeliveryStatus.Locked => [Locked],
            DeliveryStatus.Completed => [Completed],
            DeliveryStatus.Failed => [Failed],
            DeliveryStatus.Cancelled => [Cancelled],
            DeliveryStatus.Expired => [Expired],
            _ => [],
        };
    }
}
