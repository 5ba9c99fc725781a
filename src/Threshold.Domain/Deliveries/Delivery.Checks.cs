using Threshold.Domain.Access;

namespace Threshold.Domain.Deliveries;

// Pure access checks: no state changes, so the server can run them, audit the decision, and only
// then apply a transition. The first failing rule wins, in a fixed order, so reasons are predictable.
public sealed partial class Delivery
{
    public AccessDecision CheckArrival(
        Guid courierId, GeoPoint location, double accuracyMeters, string packageBarcode,
        HomeConditions home, GeofencePolicy fence, bool cameraRequired, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(home);
        ArgumentNullException.ThrowIfNull(fence);
        var refusal = CommonRefusal(courierId, home, now)
            ?? LocationRefusal(location, accuracyMeters, home.Location, fence)
            ?? (PackageList.Contains(packageBarcode, StringComparer.Ordinal) ? null : ReasonCodes.PackageMismatch)
            ?? DeviceRefusal(home, cameraRequired);
        return Decision(refusal);
    }

    public AccessDecision CheckEntry(
        Guid courierId, HomeConditions home, bool cameraRequired, TimeSpan arrivalValidity, DateTimeOffset now, bool approvalRequired = false)
    {
        ArgumentNullException.ThrowIfNull(home);
        var refusal = CommonRefusal(courierId, home, now)
            ?? (approvalRequired ? ApprovalRefusal(now) : null)
            ?? (HasFreshArrival(arrivalValidity, now) ? null : ReasonCodes.ArrivalRequired)
            ?? DeviceRefusal(home, cameraRequired);
        return Decision(refusal);
    }

    private static AccessDecision Decision(string? refusal) =>
        refusal is null ? AccessDecision.Allow : AccessDecision.Deny(refusal);

    private string? CommonRefusal(Guid courierId, HomeConditions home, DateTimeOffset now)
    {
        // Assignment first (DESIGN §2 step 3): a colleague who is not assigned learns nothing about the stop,
        // not even that the household declined it or that its entry was used.
        if (CourierId is null || CourierId.Value != courierId)
        {
            return ReasonCodes.NotAssigned;
        }

        var statusRefusal = Status switch
        {
            DeliveryStatus.Declined => FailureReason == ReasonCodes.ApprovalDenied ? ReasonCodes.ApprovalDenied : ReasonCodes.DeliveryDeclined,
            DeliveryStatus.Cancelled => ReasonCodes.DeliveryCancelled,
            DeliveryStatus.Expired or DeliveryStatus.Failed => ReasonCodes.OutsideWindow,
            _ when IsEntryUsed => ReasonCodes.AlreadyUsed,
            _ => null,
        };
        if (statusRefusal is not null)
        {
            return statusRefusal;
        }

        if (now < WindowStart || now >= WindowEnd)
        {
            return ReasonCodes.OutsideWindow;
        }

        return home.Lockout.IsActiveAt(now) ? ReasonCodes.LockoutActive : null;
    }

    // Comparisons are written so NaN fails closed: "!(x <= limit)" denies when either side is NaN.
    private static string? LocationRefusal(GeoPoint location, double accuracyMeters, GeoPoint homeLocation, GeofencePolicy fence)
    {
        if (!location.IsValidPoint || !double.IsFinite(accuracyMeters) || accuracyMeters < 0
            || !(accuracyMeters <= fence.MaxAccuracyMeters))
        {
            return ReasonCodes.LocationInaccurate;
        }

        return location.DistanceMetersTo(homeLocation) <= fence.RadiusMeters ? null : ReasonCodes.OutsideGeofence;
    }

    private static string? DeviceRefusal(HomeConditions home, bool cameraRequired)
    {
        if (!home.HubOnline)
        {
            return ReasonCodes.HubOffline;
        }

        return cameraRequired && !home.CameraLive ? ReasonCodes.CameraNotLive : null;
    }

    // End-exclusive like every other window: valid from ArrivedAt (or the household's yes, which came later) until just
    // before that + validity.
    private bool HasFreshArrival(TimeSpan arrivalValidity, DateTimeOffset now) =>
        Status == DeliveryStatus.Arrived && (ApprovedAt > ArrivedAt ? ApprovedAt : ArrivedAt) is { } since && now - since < arrivalValidity;
}
