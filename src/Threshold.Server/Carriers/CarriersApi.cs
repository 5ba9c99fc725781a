using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Accounts;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Carriers;

internal sealed record EnrolRequest(Guid? CarrierId, PolicyBody? Policy);

internal sealed record EnrolmentView(
    Guid Id, Guid CarrierId, string HomeAccessId, bool AnyTime, string[] Days, string From, string To, EntryMethod EntryMethod, bool CameraRequired,
    bool RequireApproval, int? ApprovalTimeout);

internal sealed record CourierView(Guid Id, string Email, string Name);

internal static class CarriersApi
{
    public static IEndpointRouteBuilder MapCarriers(this IEndpointRouteBuilder app)
    {
        var homes = app.MapGroup("/api/v1/homes/{homeId:guid}/carriers").WithTags("Carriers").RequireAuthorization(Policies.Resident).RequireHomeMember();
        homes.MapPost("/", Enrol).RequireHomeOwner();
        homes.MapGet("/", ListEnrolments);

        var carrier = app.MapGroup("/api/v1/carrier").WithTags("Carriers").RequireAuthorization(Policies.Carrier);
        carrier.MapPost("/couriers", CreateCourier);
        carrier.MapGet("/couriers", ListCouriers);
        return app;
    }

    public static async Task<Results<Created<EnrolmentView>, ProblemHttpResult>> Enrol(
        Guid homeId, EnrolRequest body, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (Check.First(Check.Required(body.CarrierId, "carrierId"), Check.Required(body.Policy, "policy")) is { } missing)
        {
            return missing;
        }

        var (policy, invalid) = CarrierPolicy.Parse(body.Policy!);
        if (invalid is not null)
        {
            return invalid;
        }

        var carrierId = body.CarrierId!.Value;
        if (!await db.Carriers.AnyAsync(c => c.Id == carrierId, ct))
        {
            return Problems.Invalid("unknown_carrier", "No carrier with this id.", "carrierId");
        }

        var enrolment = CarrierEnrolment.Create(homeId, carrierId, policy!.Hours, policy.EntryMethod, policy.CameraRequired, time.GetUtcNow(), policy.ApprovalTimeout);
        var refused = await db.WriteAsync<ProblemHttpResult?>(audit, async c =>
        {
            // Checked inside the write, which the one writer serialises: two enrolments at once cannot both pass.
            if (await db.Enrolments.AnyAsync(e => e.HomeId == homeId && e.CarrierId == carrierId, c))
            {
                return Problems.Conflict("already_enrolled", "This home is already enrolled with this carrier.");
            }

            db.Enrolments.Add(enrolment);
            await audit.AppendAsync(homeId, AuditTypes.CarrierEnrolled, "user:" + user.UserId(),
                new { carrierId, enrolmentId = enrolment.Id, anyTime = policy.Hours.IsAnyTime, days = CarrierPolicy.DayNames(policy.Hours), from = CarrierPolicy.FormatFrom(policy.Hours), to = CarrierPolicy.FormatTo(policy.Hours), entryMethod = policy.EntryMethod.ToString(), cameraRequired = policy.CameraRequired, requireApproval = enrolment.RequireApproval, approvalTimeout = enrolment.RequireApproval ? enrolment.ApprovalTimeoutSeconds : (int?)null }, c);
            return null;
        }, ct);
        if (refused is not null)
        {
            return refused;
        }

        return TypedResults.Created($"/api/v1/homes/{homeId}/carriers/{enrolment.Id}", View(enrolment));
    }

    public static async Task<Results<Ok<List<EnrolmentView>>, ProblemHttpResult>> ListEnrolments(
        Guid homeId, ThresholdDbContext db, CancellationToken ct)
    {
        var list = await db.Enrolments.AsNoTracking().Where(e => e.HomeId == homeId).ToListAsync(ct);
        return TypedResults.Ok(list.Select(View).ToList());
    }

    public static async Task<Results<Created<CourierView>, ProblemHttpResult>> CreateCourier(
        RegisterRequest body, ClaimsPrincipal carrier, UserManager<AppUser> users)
    {
        var (user, problem) = await AccountsApi.CreateUserAsync(users, body, UserKind.Courier, carrier.CarrierId());
        return problem ?? (Results<Created<CourierView>, ProblemHttpResult>)TypedResults.Created(
            (string?)null, new CourierView(user!.Id, user.Email!, user.Name));
    }

    public static async Task<Ok<List<CourierView>>> ListCouriers(ClaimsPrincipal carrier, ThresholdDbContext db, CancellationToken ct)
    {
        var carrierId = carrier.CarrierId();
        var couriers = await db.Users.AsNoTracking().Where(u => u.CarrierId == carrierId)
            .Select(u => new CourierView(u.Id, u.Email!, u.Name)).ToListAsync(ct);
        return TypedResults.Ok(couriers);
    }

    private static EnrolmentView View(CarrierEnrolment e)
    {
        var hours = e.Hours();
        return new(e.Id, e.CarrierId, e.HomeAccessId, hours.IsAnyTime, CarrierPolicy.DayNames(hours), CarrierPolicy.FormatFrom(hours),
            CarrierPolicy.FormatTo(hours), e.EntryMethod, e.CameraRequired, e.RequireApproval, e.RequireApproval ? e.ApprovalTimeoutSeconds : null);
    }
}
