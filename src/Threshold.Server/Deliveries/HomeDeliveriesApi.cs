using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Deliveries;

/// <summary>The resident's side of deliveries: review and decline.</summary>
internal static class HomeDeliveriesApi
{
    public static IEndpointRouteBuilder MapHomeDeliveries(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/homes/{homeId:guid}/deliveries").WithTags("Deliveries").RequireAuthorization(Policies.Resident).RequireHomeMember();
        api.MapGet("/", List);
        api.MapPost("/{id:guid}/decline", Decline);
        return app;
    }

    public static async Task<Results<Ok<List<DeliveryView>>, ProblemHttpResult>> List(
        Guid homeId, ThresholdDbContext db, CancellationToken ct)
    {
        var list = await db.Deliveries.AsNoTracking().Where(d => d.HomeId == homeId)
            .OrderByDescending(d => d.WindowStart).Take(500).ToListAsync(ct);
        return TypedResults.Ok(list.Select(DeliveryView.From).ToList());
    }

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
