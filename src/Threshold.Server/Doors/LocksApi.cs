using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Protocol.Access;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Doors;

internal sealed record LockResult(string Status);

/// <summary>
/// The residents' own remote lock and unlock, for any member of the home. Residents are not subject to lockout
/// ("nobody but us"); their remote operations are audited like any other and go through <see cref="DoorCommands"/>.
/// </summary>
internal static class LocksApi
{
    public static IEndpointRouteBuilder MapLocks(this IEndpointRouteBuilder app)
    {
        var locks = app.MapGroup("/api/v1/homes/{homeId:guid}/locks/{lockId:guid}").WithTags("Access")
            .RequireAuthorization(Policies.Resident).RequireHomeMember().RequireRateLimiting(RateLimits.Courier);
        locks.MapPost("/unlock", (Guid homeId, Guid lockId, ClaimsPrincipal user, ThresholdDbContext db, DoorCommands doors, CancellationToken ct) =>
            SendAsync(homeId, lockId, LockAction.Unlock, user, db, doors, ct));
        locks.MapPost("/lock", (Guid homeId, Guid lockId, ClaimsPrincipal user, ThresholdDbContext db, DoorCommands doors, CancellationToken ct) =>
            SendAsync(homeId, lockId, LockAction.Lock, user, db, doors, ct));
        return app;
    }

    private static async Task<Results<Ok<LockResult>, ProblemHttpResult>> SendAsync(
        Guid homeId, Guid lockId, LockAction action, ClaimsPrincipal user, ThresholdDbContext db, DoorCommands doors, CancellationToken ct)
    {
        if (!await db.Locks.AnyAsync(l => l.Id == lockId && l.HomeId == homeId, ct))
        {
            return Problems.NotFound();
        }

        var me = user.UserId();
        var refused = await doors.RunAsync(
            _ => Task.FromResult(DoorDecision.Send(new DoorCommand(homeId, lockId, action, AccessReference.Resident(me), "user:" + me))),
            failed: null, ct);
        return refused is not null ? refused : TypedResults.Ok(new LockResult(action == LockAction.Unlock ? "unlocked" : "locked"));
    }
}
