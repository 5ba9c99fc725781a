using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;
using Threshold.Server.Sessions;

namespace Threshold.Server.Homes;

internal sealed record InvitationView(string Code, DateTimeOffset ExpiresAt);

internal sealed record AcceptInvitation(string? Code);

internal sealed record JoinedHome(Guid HomeId, string Role);

internal sealed record MemberView(Guid UserId, string Name, string Email, string Role);

/// <summary>
/// A household's people: the owner invites members with one-time codes and removes them. A removed member's sessions
/// end at once (every node within a second), not only their access to this home: whatever they had open may have
/// shown this home.
/// </summary>
internal static class MembersApi
{
    public static IEndpointRouteBuilder MapMembers(this IEndpointRouteBuilder app)
    {
        var home = app.MapGroup("/api/v1/homes/{homeId:guid}").WithTags("Members").RequireAuthorization(Policies.Resident).RequireHomeMember();
        home.MapGet("/members", List);
        home.MapDelete("/members/{userId:guid}", Remove).RequireHomeOwner();
        home.MapPost("/invitations", Invite).RequireHomeOwner();
        app.MapPost("/api/v1/invitations/accept", Accept).WithTags("Members").RequireAuthorization(Policies.Resident)
            .RequireRateLimiting(RateLimits.Login);
        return app;
    }

    public static async Task<Created<InvitationView>> Invite(
        Guid homeId, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var code = Secrets.PairingCode();
        var invitation = Invitation.Create(homeId, Secrets.Hash(Secrets.NormalisePairingCode(code)), user.UserId(), time.GetUtcNow());
        await db.WriteAsync(audit, async c =>
        {
            db.Invitations.Add(invitation);
            await audit.AppendAsync(homeId, AuditTypes.MemberInvited, "user:" + user.UserId(), new { invitationId = invitation.Id, invitation.ExpiresAt }, c);
            return true;
        }, ct);
        return TypedResults.Created((string?)null, new InvitationView(code, invitation.ExpiresAt));
    }

    public static async Task<Results<Ok<JoinedHome>, ProblemHttpResult>> Accept(
        AcceptInvitation body, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        if (Check.Text(body.Code, "code", 32) is { } invalid)
        {
            return invalid;
        }

        var hash = Secrets.Hash(Secrets.NormalisePairingCode(body.Code!));
        var userId = user.UserId();
        var now = time.GetUtcNow();
        return await db.WriteAsync<Results<Ok<JoinedHome>, ProblemHttpResult>>(audit, async c =>
        {
            var invitation = await db.Invitations.SingleOrDefaultAsync(i => i.CodeHash == hash, c);
            if (invitation is null || !invitation.IsOpen(now))
            {
                // Unknown, used and expired codes look the same to a guesser.
                return Problems.Create(StatusCodes.Status404NotFound, "invalid_code", "This invitation is not valid.");
            }

            if (await db.HomeMembers.AnyAsync(m => m.HomeId == invitation.HomeId && m.UserId == userId, c))
            {
                return Problems.Conflict("already_member", "You already belong to this home.");
            }

            invitation.Accept(userId, now);
            db.HomeMembers.Add(new HomeMember { HomeId = invitation.HomeId, UserId = userId, Role = HomeRole.Member });
            await audit.AppendAsync(invitation.HomeId, AuditTypes.MemberJoined, "user:" + userId, new { userId, invitationId = invitation.Id }, c);
            return TypedResults.Ok(new JoinedHome(invitation.HomeId, "member"));
        }, ct);
    }

    public static async Task<Ok<List<MemberView>>> List(Guid homeId, ThresholdDbContext db, CancellationToken ct)
    {
        var members = await db.HomeMembers.AsNoTracking().Where(m => m.HomeId == homeId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { u.Id, u.Name, u.Email, m.Role })
            .ToListAsync(ct);
        return TypedResults.Ok(members.OrderBy(m => m.Role).ThenBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => new MemberView(m.Id, m.Name, m.Email ?? "", m.Role.ToString().ToLowerInvariant())).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Remove(
        Guid homeId, Guid userId, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        return await db.WriteAsync<Results<NoContent, ProblemHttpResult>>(audit, async c =>
        {
            var member = await db.HomeMembers.SingleOrDefaultAsync(m => m.HomeId == homeId && m.UserId == userId, c);
            if (member is null)
            {
                return Problems.NotFound();
            }

            if (member.Role == HomeRole.Owner)
            {
                return Problems.Conflict("cannot_remove_owner", "The owner cannot be removed from the home.");
            }

            db.HomeMembers.Remove(member);
            await db.EndAllAsync(userId, SessionEndReasons.RemovedFromHome, time.GetUtcNow(), c);
            await audit.AppendAsync(homeId, AuditTypes.MemberRemoved, "user:" + user.UserId(), new { userId, reason = "removed" }, c);
            return TypedResults.NoContent();
        }, ct);
    }
}
