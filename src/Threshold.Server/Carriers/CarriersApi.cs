using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Schedules;
using Threshold.Server.Accounts;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Carriers;

internal sealed record PolicyBody(string[]? Days, string? From, string? To, EntryMethod? EntryMethod, bool? CameraRequired, bool? RequireApproval);

internal sealed record EnrolRequest(Guid? CarrierId, PolicyBody? Policy);

internal sealed record EnrolmentView(Guid Id, Guid CarrierId, string HomeAccessId, string[] Days, string From, string To, EntryMethod EntryMethod, bool CameraRequired);

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

        var (schedule, method, camera, invalid) = ParsePolicy(body.Policy!);
        if (invalid is not null)
        {
            return invalid;
        }

        var carrierId = body.CarrierId!.Value;
        if (!await db.Carriers.AnyAsync(c => c.Id == carrierId, ct))
        {
            return Problems.Invalid("unknown_carrier", "No carrier with this id.", "carrierId");
        }

        var enrolment = CarrierEnrolment.Create(homeId, carrierId, schedule!, method, camera, time.GetUtcNow());
        var refused = await db.WriteAsync<ProblemHttpResult?>(audit, async c =>
        {
            // Checked inside the write, which the one writer serialises: two enrolments at once cannot both pass.
            if (await db.Enrolments.AnyAsync(e => e.HomeId == homeId && e.CarrierId == carrierId, c))
            {
                return Problems.Conflict("already_enrolled", "This home is already enrolled with this carrier.");
            }

            db.Enrolments.Add(enrolment);
            await audit.AppendAsync(homeId, AuditTypes.CarrierEnrolled, "user:" + user.UserId(),
                new { carrierId, enrolmentId = enrolment.Id, days = DayNames(enrolment), from = enrolment.PolicyStart, to = enrolment.PolicyEnd, entryMethod = method.ToString(), cameraRequired = camera }, c);
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

    private static (RecurringSchedule?, EntryMethod, bool, ProblemHttpResult?) ParsePolicy(PolicyBody p)
    {
        if (p.Days is null || p.Days.Length is 0 or > 7)
        {
            return Fail(Problems.Invalid("invalid_policy", "'policy.days' must list 1–7 days, e.g. [\"monday\"].", "policy.days"));
        }

        var days = new HashSet<DayOfWeek>();
        foreach (var d in p.Days)
        {
            if (!Enum.TryParse<DayOfWeek>(d, ignoreCase: true, out var day) || !Enum.IsDefined(day) || int.TryParse(d, out _))
            {
                return Fail(Problems.Invalid("invalid_policy", $"'{d}' is not a day of the week.", "policy.days"));
            }

            days.Add(day);
        }

        if (!TryTime(p.From, out var from))
        {
            return Fail(Problems.Invalid("invalid_policy", "'policy.from' must be a local time HH:mm.", "policy.from"));
        }

        if (!TryTime(p.To, out var to) || to == from)
        {
            return Fail(Problems.Invalid("invalid_policy", "'policy.to' must be a local time HH:mm different from 'from'.", "policy.to"));
        }

        if (p.RequireApproval == true)
        {
            return Fail(Problems.Invalid("not_supported", "Approval at the door is not available yet.", "policy.requireApproval"));
        }

        var method = p.EntryMethod ?? EntryMethod.Remote;

        return (new RecurringSchedule(days, from, to), method, p.CameraRequired ?? true, null);

        static (RecurringSchedule?, EntryMethod, bool, ProblemHttpResult?) Fail(ProblemHttpResult problem) => (null, default, false, problem);
    }

    private static bool TryTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    private static string[] DayNames(CarrierEnrolment e) =>
        e.Schedule().Days.OrderBy(d => d).Select(d => d.ToString().ToLowerInvariant()).ToArray();

    private static EnrolmentView View(CarrierEnrolment e) => new(
        e.Id, e.CarrierId, e.HomeAccessId, DayNames(e),
        e.PolicyStart.ToString("HH:mm", CultureInfo.InvariantCulture), e.PolicyEnd.ToString("HH:mm", CultureInfo.InvariantCulture),
        e.EntryMethod, e.CameraRequired);
}
