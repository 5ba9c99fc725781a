namespace Threshold.Domain.Deliveries;

/// <summary>
/// Life of a delivery. Happy path: Scheduled → Arrived → Unlocked → DoorOpened → DoorClosed →
/// (Locked) → Completed; under a policy that requires approval, Arrived → AwaitingApproval → Arrived (approved) or
/// Declined (denied). Completed, Declined, Cancelled, Expired and Failed are terminal.
/// </summary>
public enum DeliveryStatus
{
    Scheduled,
    Arrived,
    Unlocked,
    DoorOpened,
    DoorClosed,

    /// <summary>Bolt thrown while the door is still open; completes once the door closes.</summary>
    Locked,
    Completed,
    Declined,
    Cancelled,
    Expired,
    Failed,

    /// <summary>The courier passed every check at the door; the household has not answered yet.</summary>
    AwaitingApproval,
}
