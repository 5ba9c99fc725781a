namespace Threshold.Domain.Access;

/// <summary>Machine-readable deny reasons (DESIGN.md section 4). Values are wire contract.</summary>
public static class ReasonCodes
{
    public const string OutsideWindow = "outside_window";
    public const string AlreadyUsed = "already_used";
    public const string Revoked = "revoked";
    public const string LockoutActive = "lockout_active";
    public const string OutsideGeofence = "outside_geofence";
    public const string LocationInaccurate = "location_inaccurate";
    public const string PackageMismatch = "package_mismatch";
    public const string NotAssigned = "not_assigned";
    public const string HubOffline = "hub_offline";
    public const string CameraNotLive = "camera_not_live";
    public const string ApprovalDenied = "approval_denied";
    public const string ApprovalTimeout = "approval_timeout";
    public const string AwaitingApproval = "awaiting_approval";
    public const string RateLimited = "rate_limited";
    public const string DeliveryDeclined = "delivery_declined";
    public const string DeliveryCancelled = "delivery_cancelled";
    public const string ArrivalRequired = "arrival_required";
    public const string MaxEntriesReached = "max_entries_reached";
}
