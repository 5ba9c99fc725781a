using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;
using Threshold.Protocol.Access;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;
using Threshold.Server.Doors;
using Threshold.Server.Homes;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;
using Threshold.Server.Keypad;

namespace Threshold.Server.Courier;

using DoorResult = Results<Ok<DoorStepResult>, ProblemHttpResult>;

/// <summary>
/// Runs the checks at the door and the single entry. Each decision, allowed or denied, is audited in
/// the same transaction as the state change it permits; the entry and the relock are sent, and a command the hub
/// did not carry out is handled, by <see cref="DoorCommands"/> (its one failure policy).
/// </summary>
internal sealed class CourierDoor(
    ThresholdDbContext db, AuditTrail audit, IHubGateway hubs, DoorCommands doors, IOptions<AccessOptions> options, CodeVault vault,
    TimeProvider time)
{
    private AccessOptions Access => options.Value;

    public async Task<DoorResult> ArriveAsync(Guid id, ClaimsPrincipal courier, GeoPoint location, double accuracy, string barcode, CancellationToken ct)
    {
        return await db.WriteAsync<DoorResult>(audit, async c =>
        {
            if (await LoadAsync(id, courier, c) is not var (delivery, home, enrolment))
            {
                return Problems.NotFound();
            }

            var hub = await hubs.GetStatusAsync(home.Id, c);
            var now = time.GetUtcNow();
            var decision = delivery.CheckArrival(courier.UserId(), location, accuracy, barcode, Conditions(home, hub),
                new GeofencePolicy(Access.GeofenceRadiusMeters, Access.MaxLocationAccuracyMeters), enrolment.CameraRequired, now);
            await AuditDecisionAsync(delivery, courier, "arrive", decision, c,
                new { distanceMeters = Math.Round(location.DistanceMetersTo(home.Location)), accuracyMeters = Math.Round(accuracy) });
            if (!decision.Allowed)
            {
                return Problems.Denied(decision.Reason!);
            }

            delivery.RecordArrival(now);
            if (enrolment.RequireApproval && delivery.Status == DeliveryStatus.Arrived && delivery.ApprovedAt is null)
            {
                // Every check passed; now the household is asked (SSE and, with push, their phones) and has the timeout to say yes.
                delivery.RequestApproval(now, enrolment.ApprovalTimeout);
                await audit.AppendAsync(delivery.HomeId, AuditTypes.DeliveryApprovalRequested, Actor(courier),
                    new { deliveryId = delivery.Id, deadline = delivery.ApprovalDeadline }, c);
            }

            await AuditStateAsync(delivery, courier, c);
            // Keypad deliveries: the courier learns the code only now, after every check passed.
            var keypad = await db.Credentials.AsNoTracking().SingleOrDefaultAsync(x => x.Id == delivery.Id && x.Active, c);
            var code = keypad?.ProtectedCode is { } protectedCode ? vault.Reveal(protectedCode) : null;
            return TypedResults.Ok(CourierApi.Result(delivery) with { KeypadCode = code });
        }, ct);
    }

    public async Task<DoorResult> UnlockAsync(Guid id, ClaimsPrincipal courier, CancellationToken ct)
    {
        var refused = await doors.RunAsync(async c =>
        {
            // One read inside the write lock: the decision sees the state its conditional update will change.
            if (await LoadAsync(id, courier, c) is not var (delivery, home, enrolment))
            {
                return Problems.NotFound();
            }

            var hub = await hubs.GetStatusAsync(home.Id, c);
            if (enrolment.EntryMethod == Carriers.EntryMethod.Keypad)
            {
                return Problems.Conflict("use_keypad", "This home takes deliveries by keypad code; the code came with the arrival.");
            }

            var now = time.GetUtcNow();
            var decision = delivery.CheckEntry(
                courier.UserId(), Conditions(home, hub), enrolment.CameraRequired, Access.ArrivalValidity, now, enrolment.RequireApproval);
            await AuditDecisionAsync(delivery, courier, "unlock", decision, c, new { });
            if (!decision.Allowed)
            {
                return Problems.Denied(decision.Reason!);
            }

            // The single entry: Version is a concurrency token, so this UPDATE only lands if nobody
            // consumed the entry since we read it (and the IMMEDIATE transaction serialises SQLite writers).
            delivery.ConsumeEntry(now);
            await AuditStateAsync(delivery, courier, c);
            return DoorDecision.Send(new DoorCommand(home.Id, await db.FrontDoorIdAsync(home.Id, c), LockAction.Unlock, AccessReference.Delivery(id), Actor(courier)));
        }, FailDeliveryAsync, ct);
        return refused is not null ? refused : TypedResults.Ok(new DoorStepResult(id, DeliveryView.StatusName(DeliveryStatus.Unlocked)));
    }

    public async Task<DoorResult> LockAsync(Guid id, ClaimsPrincipal courier, CancellationToken ct)
    {
        Delivery? stop = null;
        var refused = await doors.RunAsync(async c =>
        {
            // Only a delivery of this courier's carrier exists for them (404 otherwise, as for the other door steps).
            var carrierId = courier.CarrierId();
            if (await db.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.CarrierId == carrierId, c) is not { } delivery)
            {
                return Problems.NotFound();
            }

            if (delivery.CourierId != courier.UserId())
            {
                return Problems.Denied(ReasonCodes.NotAssigned);
            }

            if (delivery.Status is not (DeliveryStatus.Unlocked or DeliveryStatus.DoorOpened or DeliveryStatus.DoorClosed or DeliveryStatus.Locked))
            {
                return Problems.Conflict("invalid_transition", "There is no open entry to lock.");
            }

            stop = delivery;
            return DoorDecision.Send(new DoorCommand(delivery.HomeId, await db.FrontDoorIdAsync(delivery.HomeId, c), LockAction.Lock, AccessReference.Delivery(id), Actor(courier)));
        }, failed: null, ct);
        // A relock the hub did not carry out leaves the delivery as it is: the hub relocks on its own and raises an alarm if it cannot.
        return refused is not null ? refused : TypedResults.Ok(CourierApi.Result(stop!));
    }

    /// <summary>
    /// The delivery (attached for the update), its home and enrolment, in one query; null unless this courier's carrier
    /// owns the delivery, so another carrier's courier learns nothing (404). A colleague not assigned gets a decision.
    /// </summary>
    private async Task<(Delivery, Home, Carriers.CarrierEnrolment)?> LoadAsync(Guid id, ClaimsPrincipal courier, CancellationToken ct)
    {
        if (await LoadQuery(db, id, courier.CarrierId(), ct) is not { } row)
        {
            return null;
        }

        // Only the delivery changes; tracking just it keeps the snapshot and change detection to one entity.
        db.Deliveries.Attach(row.Delivery);
        return (row.Delivery, row.Home, row.Enrolment);
    }

    // Compiled once: on the unlock path, translating the LINQ per request cost more than running the SQL.
    private static readonly Func<ThresholdDbContext, Guid, Guid, CancellationToken, Task<DoorRow?>> LoadQuery =
        EF.CompileAsyncQuery((ThresholdDbContext db, Guid id, Guid carrierId, CancellationToken ct) =>
            (from d in db.Deliveries
             where d.Id == id && d.CarrierId == carrierId
             join h in db.Homes on d.HomeId equals h.Id
             join e in db.Enrolments on d.EnrolmentId equals e.Id
             select new DoorRow(d, h, e))
            .AsNoTracking().SingleOrDefault());

    private sealed record DoorRow(Delivery Delivery, Home Home, Carriers.CarrierEnrolment Enrolment);

    private static HomeConditions Conditions(Home home, HubStatus hub) =>
        new(home.Location, home.Zone(), home.Lockout, hub.Online, hub.CameraLive);

    private Task AuditDecisionAsync(Delivery d, ClaimsPrincipal courier, string step, AccessDecision decision, CancellationToken ct, object detail) =>
        audit.AppendAsync(d.HomeId, AuditTypes.AccessDecision, Actor(courier),
            new { deliveryId = d.Id, step, allowed = decision.Allowed, reason = decision.Reason, detail }, ct);

    private Task AuditStateAsync(Delivery d, ClaimsPrincipal courier, CancellationToken ct) =>
        audit.AppendAsync(d.HomeId, AuditTypes.DeliveryStateChanged, Actor(courier),
            new { deliveryId = d.Id, status = DeliveryView.StatusName(d.Status) }, ct);

    /// <summary>The entry is spent without the door having opened: the delivery fails, and the carrier re-plans it.</summary>
    private async Task FailDeliveryAsync(DoorCommand command, string error, CancellationToken ct)
    {
        var delivery = await db.Deliveries.SingleAsync(d => d.Id == command.Reference.Id, ct);
        if (!delivery.IsTerminal)
        {
            var reason = "hub_" + error;
            delivery.Fail(reason, time.GetUtcNow());
            await audit.AppendAsync(delivery.HomeId, AuditTypes.DeliveryFailed, command.Actor, new { deliveryId = delivery.Id, reason }, ct);
        }
    }

    private static string Actor(ClaimsPrincipal courier) => "courier:" + courier.UserId();
}
