using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Courier;

internal sealed record ArriveRequest(double? Latitude, double? Longitude, double? Accuracy, string? PackageBarcode);

/// <summary>KeypadCode: only in the answer to a passed arrival of a keypad delivery.</summary>
internal sealed record DoorStepResult(Guid DeliveryId, string Status, string? KeypadCode = null, DateTimeOffset? ApprovalDeadline = null);

/// <summary>The courier at the door: my stops, arrive, the one unlock, the relock.</summary>
internal static class CourierApi
{
    public static IHostApplicationBuilder AddCourier(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<CourierDoor>();
        builder.Services.AddSingleton<StopFeed>();
        builder.Services.AddSingleton<IWriteConsequence, StopChanges>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCourier(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/courier/deliveries").WithTags("Courier").RequireAuthorization(Policies.Courier);
        api.MapGet("/", List);
        api.MapGet("/{id:guid}", Get);
        api.MapGet("/stream", (ClaimsPrincipal courier, StopFeed feed, CancellationToken ct) =>
            TypedResults.ServerSentEvents(feed.StreamAsync(courier.UserId(), ct)));
        var door = api.MapGroup("/{id:guid}").RequireRateLimiting(RateLimits.Courier);
        door.MapPost("/arrive", Arrive);
        door.MapPost("/unlock", Unlock);
        door.MapPost("/lock", Lock);
        return app;
    }

    public static async Task<Ok<List<DeliveryView>>> List(ClaimsPrincipal courier, ThresholdDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = courier.UserId();
        var since = time.GetUtcNow().AddDays(-1);
        var stops = await db.Deliveries.AsNoTracking()
            .Where(d => d.CourierId == me && d.WindowEnd > since)
            .OrderBy(d => d.WindowStart)
            .Take(200)
            .ToListAsync(ct);
        var now = time.GetUtcNow();
        return TypedResults.Ok(stops.Select(d => DeliveryView.From(d, now)).ToList());
    }

    public static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Get(
        Guid id, ClaimsPrincipal courier, ThresholdDbContext db, TimeProvider time, CancellationToken ct)
    {
        var me = courier.UserId();
        var delivery = await db.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.CourierId == me, ct);
        return delivery is null ? Problems.NotFound() : TypedResults.Ok(DeliveryView.From(delivery, time.GetUtcNow()));
    }

    public static async Task<Results<Ok<DoorStepResult>, ProblemHttpResult>> Arrive(
        Guid id, ArriveRequest body, ClaimsPrincipal courier, CourierDoor door, CancellationToken ct)
    {
        if (Check.First(
                Check.Required(body.Latitude, "latitude"),
                Check.Required(body.Longitude, "longitude"),
                Check.Required(body.Accuracy, "accuracy"),
                Check.Text(body.PackageBarcode, "packageBarcode", 128)) is { } missing)
        {
            return missing;
        }

        if (!GeoPoint.IsValid(body.Latitude!.Value, body.Longitude!.Value))
        {
            return Problems.Invalid("invalid_coordinates", "'latitude' must be within ±90 and 'longitude' within ±180.",
                Math.Abs(body.Latitude.Value) <= 90 ? "longitude" : "latitude");
        }

        if (!double.IsFinite(body.Accuracy!.Value) || body.Accuracy < 0)
        {
            return Problems.Invalid("invalid_field", "'accuracy' must be a non-negative number of metres.", "accuracy");
        }

        return await door.ArriveAsync(id, courier, new GeoPoint(body.Latitude.Value, body.Longitude.Value), body.Accuracy.Value, body.PackageBarcode!, ct);
    }

    public static Task<Results<Ok<DoorStepResult>, ProblemHttpResult>> Unlock(Guid id, ClaimsPrincipal courier, CourierDoor door, CancellationToken ct) =>
        door.UnlockAsync(id, courier, ct);

    public static Task<Results<Ok<DoorStepResult>, ProblemHttpResult>> Lock(Guid id, ClaimsPrincipal courier, CourierDoor door, CancellationToken ct) =>
        door.LockAsync(id, courier, ct);

    internal static DoorStepResult Result(Delivery d) => new(d.Id, DeliveryView.StatusName(d.Status), ApprovalDeadline: d.ApprovalDeadline);
}
