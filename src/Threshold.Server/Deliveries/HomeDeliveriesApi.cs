using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Deliveries;

/// <summary>The resident's side of deliveries: review, decline, and approve or deny a courier at the door.</summary>
internal static class HomeDeliveriesApi
{
    public static IEndpointRouteBuilder MapHomeDeliveries(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/homes/{homeId:guid}/deliveries").WithTags("Deliveries").RequireAuthorization(Policies.Resident).RequireHomeMember();
        api.MapGet("/", List);
        api.MapPost("/{id:guid}/decline", Decline);
        api.MapPost("/{id:guid}/approve", Approve);
        api.MapPost("/{id:guid}/deny", Deny);
        return app;
    }

    public static async Task<Results<Ok<List<DeliveryView>>, ProblemHttpResult>> List(
        Guid homeId, ThresholdDbContext db, TimeProvider time, CancellationToken ct)
    {
        var list = await db.Deliveries.AsNoTracking().Where(d => d.HomeId == homeId)
            .OrderByDescending(d => d.WindowStart).Take(500).ToListAsync(ct);
        var now = time.GetUtcNow();
        return TypedResults.Ok(list.Select(d => DeliveryView.From(d, now)).ToList());
    }

    /// <summary>
    /// Lets the courier at the door in. One answer per arrival: the first resident to answer wins (the writer serialises
    /// the answers), later ones get 409; past the deadline the answer is <c>approval_timeout</c> and changes nothing.
    /// </summary>
    public static Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Approve(
        Guid homeId, Guid id, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        AnswerAsync(homeId, id, user, db, audit, time, AuditTypes.DeliveryApproved, (d, who, now) => d.Approve(who, now), ct);

    /// <summary>Refuses the courier at the door: the delivery ends as declined with reason <c>approval_denied</c>.</summary>
    public static Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Deny(
        Guid homeId, Guid id, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        AnswerAsync(homeId, id, user, db, audit, time, AuditTypes.DeliveryDenied, (d, who, now) => d.DenyApproval(who, now), ct);

    private static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> AnswerAsync(
        Guid homeId, Guid id, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, string auditType,
        Action<Threshold.Domain.Deliveries.Delivery, Guid, DateTimeOffset> answer, CancellationToken ct) =>
        await db.WriteAsync<Results<Ok<DeliveryView>, ProblemHttpResult>>(audit, async c =>
        {
            var delivery = await db.Deliveries.SingleOrDefaultAsync(d => d.Id == id && d.HomeId == homeId, c);
            if (delivery is null)
            {
                return Problems.NotFound();
            }

            var now = time.GetUtcNow();
            try
            {
                answer(delivery, user.UserId(), now);
            }
            catch (DomainException e)
            {
                return Problems.Conflict(e.Code == DomainErrorCodes.InvalidTransition ? "not_awaiting_approval" : e.Code, e.Message);
            }

            await audit.AppendAsync(homeId, auditType, "user:" + user.UserId(), new { deliveryId = id, arrivedAt = delivery.ArrivedAt }, c);
            await audit.AppendAsync(homeId, AuditTypes.DeliveryStateChanged, "user:" + user.UserId(),
                new { deliveryId = id, status = DeliveryView.StatusName(delivery.Status), reason = delivery.FailureReason }, c);
            return TypedResults.Ok(DeliveryView.From(delivery, now));
        }, ct);

    public static async Task<Results<Ok<DeliveryView>, ProblemHttpResult>> Decline(
        Guid homeId, Guid id, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<Results<Ok<DeliveryView>, ProblemHttpResult>>(audit, async c =>
        {
            var delivery = await db.Deliveries.SingleOrDefaultAsync(d => d.Id == id && d.HomeId == homeId, c);
            if (delivery is null)
            {
                return Problems.NotFound();
            }

            try
            {
                delivery.Decline(time.GetUtcNow());
            }
            catch (DomainException e)
            {
                return Problems.Conflict(e.Code, e.Message);
            }

            await audit.AppendAsync(homeId, AuditTypes.DeliveryDeclined, "user:" + user.UserId(), new { deliveryId = id }, c);
            return TypedResults.Ok(DeliveryView.From(delivery));
        }, ct);
}
