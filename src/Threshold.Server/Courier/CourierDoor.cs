using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Domain;
using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;
using Threshold.Protocol.Access;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;
using Threshold.Server.Homes;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Courier;

using DoorResult = Results<Ok<DoorStepResult>, ProblemHttpResult>;

/// <summary>
/// Runs the checks at the door and the single entry. Each decision, allowed or denied, is audited in
/// the same transaction as the state change it permits.
/// </summary>
internal sealed partial class CourierDoor(
    ThresholdDbContext db, AuditTrail audit, IHubGateway hubs, IOptions<AccessOptions> options, Grants.CredentialSet credentials,
    TimeProvider time, ILogger<CourierDoor> logger)
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
            await AuditStateAsync(delivery, courier, c);
            // Keypad deliveries: the courier learns the code only now, after every check passed.
            var keypad = await db.Credentials.AsNoTracking().SingleOrDefaultAsync(x => x.Id == delivery.Id && x.Active, c);
            var code = keypad?.ProtectedCode is { } protectedCode ? credentials.Unprotect(protectedCode) : null;
            return TypedResults.Ok(CourierApi.Result(delivery) with { KeypadCode = code });
        }, ct);
    }

    public async Task<DoorResult> UnlockAsync(Guid id, ClaimsPrincipal courier, CancellationToken ct)
    {
        Guid homeId = default, lockId = default;
        var decided = await db.WriteAsync<DoorResult?>(audit, async c =>
        {
            // One read inside the write lock: the decision sees the state its conditional update will change.
            if (await LoadAsync(id, courier, c) is not var (delivery, home, enrolment))
            {
                return Problems.NotFound();
            }

            homeId = home.Id;
            var hub = await hubs.GetStatusAsync(home.Id, c);
            if (enrolment.EntryMethod == Carriers.EntryMethod.Keypad)
            {
                return Problems.Conflict("use_keypad", "This home takes deliveries by keypad code; the code came with the arrival.");
            }

            var now = time.GetUtcNow();
            var decision = delivery.CheckEntry(courier.UserId(), Conditions(home, hub), enrolment.CameraRequired, Access.ArrivalValidity, now);
            await AuditDecisionAsync(delivery, courier, "unlock", decision, c, new { });
            if (!decision.Allowed)
            {
                return Problems.Denied(decision.Reason!);
            }

            // The single entry: Version is a concurrency token, so this UPDATE only lands if nobody
            // consumed the entry since we read it (and the IMMEDIATE transaction serialises SQLite writers).
            delivery.ConsumeEntry(now);
            lockId = await db.FrontDoorIdAsync(home.Id, c);
            await AuditStateAsync(delivery, courier, c);
            await audit.AppendAsync(home.Id, AuditTypes.LockCommand, Actor(courier), new { deliveryId = id, lockId, action = "unlock" }, c);
            return null;
        }, ct);
        if (decided is not null)
        {
            return decided;
        }

        var sent = await hubs.SendAsync(homeId, lockId, LockAction.Unlock, AccessReference.Delivery(id), ct);
        if (sent.Ok)
        {
            return TypedResults.Ok(new DoorStepResult(id, DeliveryView.StatusName(DeliveryStatus.Unlocked)));
        }

        // The entry stays consumed: a failed unlock is never retried on the same single use.
        LogHubRefused(logger, id, sent.Error ?? "unknown");
        await FailAsync(id, courier, "hub_" + (sent.Error ?? "error"), ct);
        return Grants.HubProblems.From(sent.Error);
    }

    public async Task<DoorResult> LockAsync(Guid id, ClaimsPrincipal courier, CancellationToken ct)
    {
        // Only a delivery of this courier's carrier exists for them (404 otherwise, as for the other door steps).
        var carrierId = courier.CarrierId();
        if (await db.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.CarrierId == carrierId, ct) is not { } delivery)
        {
            return Problems.NotFound();
        }

        var homeId = delivery.HomeId;
        if (delivery.CourierId != courier.UserId())
        {
            return Problems.Denied(ReasonCodes.NotAssigned);
        }

        if (delivery.Status is not (DeliveryStatus.Unlocked or DeliveryStatus.DoorOpened or DeliveryStatus.DoorClosed or DeliveryStatus.Locked))
        {
            return Problems.Conflict("invalid_transition", "There is no open entry to lock.");
        }

        var lockId = await db.FrontDoorIdAsync(homeId, ct);
        await db.WriteAsync(audit, async c =>
        {
            await audit.AppendAsync(homeId, AuditTypes.LockCommand, Actor(courier), new { deliveryId = id, lockId, action = "lock" }, c);
            return true;
        }, ct);
        var sent = await hubs.SendAsync(homeId, lockId, LockAction.Lock, AccessReference.Delivery(id), ct);
        return sent.Ok ? TypedResults.Ok(CourierApi.Result(delivery)) : Grants.HubProblems.From(sent.Error);
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

    private async Task FailAsync(Guid id, ClaimsPrincipal courier, string reason, CancellationToken ct)
    {
        await db.WriteAsync(audit, async c =>
        {
            var delivery = await db.Deliveries.SingleAsync(d => d.Id == id, c);
            if (!delivery.IsTerminal)
            {
                delivery.Fail(reason, time.GetUtcNow());
                await audit.AppendAsync(delivery.HomeId, AuditTypes.DeliveryFailed, Actor(courier), new { deliveryId = id, reason }, c);
            }

            return true;
        }, CancellationToken.None);
    }

    private static string Actor(ClaimsPrincipal courier) => "courier:" + courier.UserId();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub did not carry out the unlock of delivery {DeliveryId}: {Error}")]
    private static partial void LogHubRefused(ILogger logger, Guid deliveryId, string error);
}
