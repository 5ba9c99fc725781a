using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Access;
using Threshold.Protocol.Access;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Doors;
using Threshold.Server.Homes;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Grants;

internal sealed record DoorView(Guid LockId, string Name);

internal sealed record AccessView(Guid GrantId, Guid HomeId, string HomeName, string GrantName, bool OpenNow, IReadOnlyList<DoorView> Doors);

internal sealed record UnlockResult(string Status);

/// <summary>
/// People with app access: the doors they may open (now), and their remote unlock, which goes through
/// the same decision, audit and signed-command path as a courier's (<see cref="DoorCommands"/>).
/// </summary>
internal static class AccessApi
{
    public static IEndpointRouteBuilder MapAccess(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/v1/me/access").WithTags("Access").RequireAuthorization(Policies.Resident);
        me.MapGet("/", List);
        me.MapPost("/{grantId:guid}/unlock", Unlock).RequireRateLimiting(RateLimits.Courier);
        return app;
    }

    public static async Task<Ok<List<AccessView>>> List(ClaimsPrincipal user, ThresholdDbContext db, IHubGateway hubs, TimeProvider time, CancellationToken ct)
    {
        var me = user.UserId();
        var grantIds = await db.Credentials.AsNoTracking().Where(c => c.AppUserId == me && c.Active).Select(c => c.Id).ToListAsync(ct);
        var grants = await db.Grants.AsNoTracking().Where(g => grantIds.Contains(g.Id) && !g.Revoked).ToListAsync(ct);
        var result = new List<AccessView>();
        foreach (var grant in grants)
        {
            var home = await db.Homes.AsNoTracking().SingleAsync(h => h.Id == grant.HomeId, ct);
            var hub = await hubs.GetStatusAsync(home.Id, ct);
            var doors = await db.Locks.AsNoTracking().Where(l => l.HomeId == home.Id).Select(l => new DoorView(l.Id, l.Name)).ToListAsync(ct);
            var open = grant.Decide(Conditions(home, hub), time.GetUtcNow()).Allowed;
            result.Add(new AccessView(grant.Id, home.Id, home.Name, grant.Name, open, doors));
        }

        return TypedResults.Ok(result);
    }

    /// <summary>
    /// The invitee's unlock: decided like any entry and counted against the grant's entries, however the guest gets in
    /// (app or keypad), so the hub's copy of the code follows the count (Keypad/CredentialSetChanges.cs).
    /// </summary>
    public static async Task<Results<Ok<UnlockResult>, ProblemHttpResult>> Unlock(
        Guid grantId, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, IHubGateway hubs, DoorCommands doors, TimeProvider time, CancellationToken ct)
    {
        var me = user.UserId();
        var credential = await db.Credentials.AsNoTracking().SingleOrDefaultAsync(c => c.Id == grantId && c.AppUserId == me, ct);
        if (credential is null)
        {
            return Problems.NotFound();
        }

        var hub = await hubs.GetStatusAsync(credential.HomeId, ct);
        var refused = await doors.RunAsync(async c =>
        {
            var grant = await db.Grants.SingleAsync(g => g.Id == grantId, c);
            var home = await db.Homes.AsNoTracking().SingleAsync(h => h.Id == grant.HomeId, c);
            var decision = grant.Decide(Conditions(home, hub), time.GetUtcNow());
            if (decision.Allowed && !hub.Online)
            {
                decision = AccessDecision.Deny(ReasonCodes.HubOffline);
            }

            await audit.AppendAsync(home.Id, AuditTypes.AccessDecision, "user:" + me,
                new { grantId, step = "remote_unlock", allowed = decision.Allowed, reason = decision.Reason }, c);
            if (!decision.Allowed)
            {
                return Problems.Denied(decision.Reason!);
            }

            grant.RecordEntry();
            return DoorDecision.Send(new DoorCommand(home.Id, await db.FrontDoorIdAsync(home.Id, c), LockAction.Unlock, AccessReference.Grant(grantId), "user:" + me));
        }, failed: null, ct);
        return refused is not null ? refused : TypedResults.Ok(new UnlockResult("unlocked"));
    }

    private static HomeConditions Conditions(Home home, HubStatus hub) =>
        new(home.Location, home.Zone(), home.Lockout, hub.Online, hub.CameraLive);
}
