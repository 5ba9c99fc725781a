using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Domain.Access;
using Threshold.Protocol;
using Threshold.Protocol.Access;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Homes;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Grants;

internal sealed record DoorView(Guid LockId, string Name);

internal sealed record AccessView(Guid GrantId, Guid HomeId, string HomeName, string GrantName, bool OpenNow, IReadOnlyList<DoorView> Doors);

internal sealed record UnlockResult(string Status);

/// <summary>
/// People with app access: the doors they may open (now), and their remote unlock, which goes through
/// the same decision, audit and signed-command path as a courier's; plus the residents' own remote lock/unlock.
/// </summary>
internal static class AccessApi
{
    public static IEndpointRouteBuilder MapAccess(this IEndpointRouteBuilder app)
    {
        var me = app.MapGroup("/api/v1/me/access").WithTags("Access").RequireAuthorization(Policies.Resident);
        me.MapGet("/", List);
        me.MapPost("/{grantId:guid}/unlock", Unlock).RequireRateLimiting(RateLimits.Courier);

        var locks = app.MapGroup("/api/v1/homes/{homeId:guid}/locks/{lockId:guid}").WithTags("Access").RequireAuthorization(Policies.Resident);
        locks.MapPost("/unlock", (Guid homeId, Guid lockId, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, IHubGateway hubs, CancellationToken ct) =>
            Resident(homeId, lockId, LockAction.Unlock, user, db, audit, hubs, ct)).RequireRateLimiting(RateLimits.Courier);
        locks.MapPost("/lock", (Guid homeId, Guid lockId, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, IHubGateway hubs, CancellationToken ct) =>
            Resident(homeId, lockId, LockAction.Lock, user, db, audit, hubs, ct)).RequireRateLimiting(RateLimits.Courier);
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
            var open = grant.Decide(new HomeConditions(home.Location, home.Zone(), home.Lockout, hub.Online, hub.CameraLive), time.GetUtcNow()).Allowed;
            result.Add(new AccessView(grant.Id, home.Id, home.Name, grant.Name, open, doors));
        }

        return TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<UnlockResult>, ProblemHttpResult>> Unlock(
        Guid grantId, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, IHubGateway hubs, TimeProvider time, CancellationToken ct)
    {
        var me = user.UserId();
        var credential = await db.Credentials.AsNoTracking().SingleOrDefaultAsync(c => c.Id == grantId && c.AppUserId == me, ct);
        if (credential is null)
        {
            return Problems.NotFound();
        }

        var hub = await hubs.GetStatusAsync(credential.HomeId, ct);
        Guid lockId = default;
        var denied = await db.WriteAsync<ProblemHttpResult?>(audit, async c =>
        {
            var grant = await db.Grants.SingleAsync(g => g.Id == grantId, c);
            var home = await db.Homes.AsNoTracking().SingleAsync(h => h.Id == grant.HomeId, c);
            var decision = grant.Decide(new HomeConditions(home.Location, home.Zone(), home.Lockout, hub.Online, hub.CameraLive), time.GetUtcNow());
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
            lockId = await db.FrontDoorIdAsync(home.Id, c);
            await audit.AppendAsync(home.Id, AuditTypes.LockCommand, "user:" + me, new { grantId, lockId, action = "unlock" }, c);
            return null;
        }, ct);
        if (denied is not null)
        {
            return denied;
        }

        var sent = await hubs.SendAsync(credential.HomeId, lockId, LockAction.Unlock, AccessReference.Grant(grantId), ct);
        return sent.Ok ? TypedResults.Ok(new UnlockResult("unlocked")) : HubProblems.From(sent.Error);
    }

    private static async Task<Results<Ok<UnlockResult>, ProblemHttpResult>> Resident(
        Guid homeId, Guid lockId, LockAction action, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, IHubGateway hubs, CancellationToken ct)
    {
        if (!await db.IsMemberAsync(homeId, user.UserId(), ct) || !await db.Locks.AnyAsync(l => l.Id == lockId && l.HomeId == homeId, ct))
        {
            return Problems.NotFound();
        }

        var verb = action == LockAction.Unlock ? "unlock" : "lock";
        await db.WriteAsync(audit, async c =>
        {
            // Residents are not subject to lockout ("nobody but us"); their remote operations are audited like any other.
            await audit.AppendAsync(homeId, AuditTypes.LockCommand, "user:" + user.UserId(), new { lockId, action = verb, remote = true }, c);
            return true;
        }, ct);
        var sent = await hubs.SendAsync(homeId, lockId, action, AccessReference.Resident(user.UserId()), ct);
        return sent.Ok ? TypedResults.Ok(new UnlockResult(action == LockAction.Unlock ? "unlocked" : "locked")) : HubProblems.From(sent.Error);
    }
}

/// <summary>How a command the hub did not carry out (<see cref="ProtocolErrors"/>) is answered to the person who asked.</summary>
internal static class HubProblems
{
    public static ProblemHttpResult From(string? error) => error switch
    {
        ProtocolErrors.HubOffline => Problems.Create(503, ReasonCodes.HubOffline, "The home's hub is offline."),
        ProtocolErrors.ReplyTimeout => Problems.Create(504, "hub_timeout", "The hub did not confirm in time."),
        ProtocolErrors.LockoutActive => Problems.Create(403, ReasonCodes.LockoutActive, "The hub refused: lockout is active."),
        _ => Problems.Create(502, "hub_refused", $"The hub refused the command: {error}."),
    };
}
