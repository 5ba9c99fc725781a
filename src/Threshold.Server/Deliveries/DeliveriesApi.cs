using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Domain;
using Threshold.Domain.Deliveries;
using Threshold.Domain.Grants;
using Threshold.Server.Carriers;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;
using Threshold.Server.Keypad;

namespace Threshold.Server.Deliveries;

/// <summary>The carrier's side of a delivery: create, assign a courier, cancel, follow.</summary>
internal static class DeliveriesApi
{
    public static IEndpointRouteBuilder MapDeliveries(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/deliveries").WithTags("Deliveries").RequireAuthorization(Policies.Carrier);
        api.MapPost("/", Create);
        api.MapGet("/{id:guid}", Get);
        api.MapPut("/{id:guid}/courier", AssignCourier);
        api.MapDelete("/{id:guid}", Cancel);
        return app;
    }

    public static async Task<Results<Created<DeliveryView>, ProblemHttpResult>> Create(
        CreateDeliveryRequest body, ClaimsPrincipal carrier, ThresholdDbContext db, AuditTrail audit,
        IOptions<AccessOptions> access, CodeVault vault, TimeProvider time, CancellationToken ct)
    {
        if (Check.First(
                Check.Text(body.HomeAccessId, "homeAccessId", 64),
                Check.Required(body.Packages, "packages"),
                Check.Required(body.Window, "window")) is { } missing)
        {
            return missing;
        }

        if (Instants.Parse(body.Window!.Start, "window.start", out var start) is { } badStart)
        {
            return badStart;
        }

        if (Instants.Parse(body.Window.End, "window.end", out var end) is { } badEnd)
        {
            return badEnd;
        }

        var carrierId = carrier.CarrierId();
        var enrolment = await db.Enrolments.AsNoTracking()
            .SingleOrDefaultAsync(e => e.HomeAccessId == body.HomeAccessId && e.CarrierId == carrierId, ct);
        if (enrolment is null)
        {
            // Another carrier's home access id is indistinguishable from one that does not exist.
            return Problems.Invalid("unknown_home_access_id", "No home enrolled with you under this id.", "homeAccessId");
        }

        var now = time.GetUtcNow();
        Delivery delivery;
        try
        {
            delivery = Delivery.Schedule(Guid.CreateVersion7(now), enrolment.HomeId, carrierId, enrolment.Id,
                body.ExternalRef ?? "", body.Packages!, start, end, now, access.Value.MaxDeliveryWindow);
        }
        catch (DomainException e)
        {
            return Problems.Invalid(e.Code, e.Message, FieldFor(e.Code));
        }

        var zone = (await db.Homes.AsNoTracking().SingleAsync(h => h.Id == enrolment.HomeId, ct)).Zone();
        if (!enrolment.Allows(start, end, zone))
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, "outside_policy",
                "The window is outside the days and hours this home accepts deliveries.", "window");
        }

        // Keypad policy: a single-use 8-digit code, held by the hub for the window, revealed to the courier at arrival.
        var keypad = enrolment.EntryMethod == EntryMethod.Keypad;
        // The checks run inside the write, which the one writer serialises with every other write: two requests with
        // one externalRef cannot both pass, and no other credential can take this code, or the lock's last slot, meanwhile.
        var refused = await db.WriteAsync<ProblemHttpResult?>(audit, async c =>
        {
            if (await db.Deliveries.AnyAsync(d => d.CarrierId == carrierId && d.ExternalRef == delivery.ExternalRef, c))
            {
                return Problems.Conflict("duplicate_external_ref", "A delivery with this externalRef exists already.");
            }

            if (keypad)
            {
                string code;
                try
                {
                    code = await vault.IssueAsync(delivery.HomeId, requested: null, KeypadCodes.DeliveryLength, c);
                }
                catch (DomainException e) when (e.Code == CodeVault.Full)
                {
                    // Refused before anything is tracked: the writer commits whatever a returning request added.
                    return Problems.Conflict(e.Code, "The home's lock has no room for another keypad code; the delivery was not created.");
                }

                db.Credentials.Add(new Credential { Id = delivery.Id, HomeId = delivery.HomeId, Kind = CredentialKind.Delivery, ProtectedCode = vault.Protect(code) });
            }

            db.Deliveries.Add(delivery);

            await audit.AppendAsync(delivery.HomeId, AuditTypes.DeliveryScheduled, "carrier:" + carrierId,
                new { deliveryId = delivery.Id, delivery.ExternalRef, packages = delivery.Packages.Count, windowStart = start, windowEnd = end, keypad }, c);
            return null;
        }, ct);
        if (refused is not null)
        {
            return refused;
        }

        return TypedResults.Created($"/api/v1/deliveries/{delivery.Id}", DeliveryView.From(delivery));
    }

    public static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Get(
        Guid id, ClaimsPrincipal carrier, ThresholdDbContext db, TimeProvider time, CancellationToken ct)
    {
        var carrierId = carrier.CarrierId();
        var delivery = await db.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.CarrierId == carrierId, ct);
        return delivery is null ? Problems.NotFound() : TypedResults.Ok(DeliveryView.From(delivery, time.GetUtcNow()));
    }

    public static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> AssignCourier(
        Guid id, AssignCourierRequest body, ClaimsPrincipal carrier, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (Check.Required(body.CourierId, "courierId") is { } missing)
        {
            return missing;
        }

        var carrierId = carrier.CarrierId();
        var courierId = body.CourierId!.Value;
        if (!await db.Users.AnyAsync(u => u.Id == courierId && u.CarrierId == carrierId, ct))
        {
            return Problems.Invalid("unknown_courier", "No courier of yours has this id.", "courierId");
        }

        return await Transition(db, audit, id, carrierId, AuditTypes.DeliveryCourierAssigned, new { courierId },
            d => d.AssignCourier(courierId, time.GetUtcNow()), ct);
    }

    public static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Cancel(
        Guid id, ClaimsPrincipal carrier, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        // A keypad delivery's code leaves the hub's set once this commits (Keypad/CredentialSetChanges.cs).
        await Transition(db, audit, id, carrier.CarrierId(), AuditTypes.DeliveryCancelled, new { }, d => d.Cancel(time.GetUtcNow()), ct);

    private static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Transition(
        ThresholdDbContext db, AuditTrail audit, Guid id, Guid carrierId, string auditType, object data, Action<Delivery> change, CancellationToken ct) =>
        await db.WriteAsync<Results<Ok<DeliveryView>, ProblemHttpResult>>(audit, async c =>
        {
            var delivery = await db.Deliveries.SingleOrDefaultAsync(d => d.Id == id && d.CarrierId == carrierId, c);
            if (delivery is null)
            {
                return Problems.NotFound();
            }

            try
            {
                change(delivery);
            }
            catch (DomainException e)
            {
                return Problems.Conflict(e.Code, e.Message);
            }

            await audit.AppendAsync(delivery.HomeId, auditType, "carrier:" + carrierId, new { deliveryId = id, data }, c);
            return TypedResults.Ok(DeliveryView.From(delivery));
        }, ct);

    private static string FieldFor(string code) => code switch
    {
        "invalid_packages" => "packages",
        "invalid_external_ref" => "externalRef",
        _ => "window",
    };
}
