using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Domain.Grants;
using Threshold.Protocol.Credentials;
using Threshold.Server.Accounts;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;
using Threshold.Server.Keypad;

namespace Threshold.Server.Grants;

internal sealed record KeypadRequest(string? Code, bool? Generate);

internal sealed record AppAccessRequest(string? Email);

internal sealed record CreateGrantRequest(
    string? Name, GrantKind? Kind, JsonObject? Schedule, int? MaxEntries, KeypadRequest? Keypad, AppAccessRequest? AppAccess, bool? Notify, bool? Film);

internal sealed record GrantView(
    Guid Id, string Name, string Kind, JsonObject Schedule, int? MaxEntries, int EntriesUsed, bool Revoked,
    bool Keypad, string KeypadStatus, string? AppAccessEmail, bool Notify, bool Film,
    /* shown once, on creation only */ string? KeypadCode = null);

/// <summary>Guest and service access to a home, managed by its residents.</summary>
internal static class GrantsApi
{
    public static IEndpointRouteBuilder MapGrants(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/homes/{homeId:guid}/grants").WithTags("Grants").RequireAuthorization(Policies.Resident).RequireHomeMember();
        api.MapPost("/", Create);
        api.MapGet("/", List);
        api.MapDelete("/{id:guid}", Revoke);
        return app;
    }

    public static async Task<Results<Created<GrantView>, ProblemHttpResult>> Create(
        Guid homeId, CreateGrantRequest body, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, CodeVault vault,
        UserManager<AppUser> users, TimeProvider time, CancellationToken ct)
    {
        if (Check.First(Check.Text(body.Name, "name", Grant.MaxNameLength), Check.Required(body.Kind, "kind"), Check.Required(body.Schedule, "schedule")) is { } missing)
        {
            return missing;
        }

        if (body.Kind == GrantKind.Delivery)
        {
            return Problems.Invalid("invalid_field", "Deliveries come from carriers; a grant is 'guest' or 'service'.", "kind");
        }

        if (!ScheduleJson.TryParse(body.Schedule, out var schedule, out var scheduleError))
        {
            return Problems.Invalid("invalid_schedule", scheduleError!, "schedule");
        }

        if (body.Keypad is null && body.AppAccess is null)
        {
            return Problems.Invalid("missing_field", "A grant needs a keypad code, app access, or both.", "keypad");
        }

        AppUser? invitee = null;
        if (body.AppAccess is { } app)
        {
            invitee = app.Email is null ? null : await users.FindByEmailAsync(app.Email);
            if (invitee is null || invitee.Kind != UserKind.Resident)
            {
                return Problems.Invalid("unknown_account", "Invite someone who has a Threshold account (they register first).", "appAccess.email");
            }
        }

        Grant grant;
        try
        {
            grant = new Grant(Guid.CreateVersion7(time.GetUtcNow()), homeId, body.Name!, body.Kind!.Value, schedule!, body.MaxEntries);
        }
        catch (DomainException e)
        {
            return Problems.Invalid(e.Code, e.Message, body.MaxEntries is < 1 ? "maxEntries" : "name");
        }

        string? code = null;
        Credential? credential = null;
        // The code is chosen and checked inside the write: the one writer runs writes one after another, so two
        // grants created at once cannot both take the same code, nor one of the old length after a length change.
        var refused = await db.WriteAsync<ProblemHttpResult?>(audit, async c =>
        {
            if (body.Keypad is { } keypad)
            {
                var length = (await db.Homes.AsNoTracking().SingleAsync(h => h.Id == homeId, c)).KeypadCodeLength;
                try
                {
                    code = await vault.IssueAsync(homeId, keypad.Code, length, c);
                }
                catch (DomainException e) when (e.Code == CodeVault.Full)
                {
                    return Problems.Conflict(e.Code, e.Message);
                }
                catch (DomainException e)
                {
                    return Problems.Invalid(e.Code, e.Message, "keypad.code");
                }
            }

            credential = new Credential
            {
                Id = grant.Id, HomeId = homeId, Kind = grant.Kind == GrantKind.Service ? CredentialKind.Service : CredentialKind.Guest,
                ProtectedCode = code is null ? null : vault.Protect(code), AppUserId = invitee?.Id,
                Notify = body.Notify ?? true, Film = body.Film ?? true, LockState = code is null ? "none" : "pending",
            };
            db.Grants.Add(grant);
            db.Credentials.Add(credential);
            await audit.AppendAsync(homeId, AuditTypes.GrantCreated, "user:" + user.UserId(), new
            {
                grantId = grant.Id, grant.Name, kind = grant.Kind.ToString().ToLowerInvariant(), schedule = ScheduleJson.ToJsonObject(grant.Schedule),
                grant.MaxEntries, keypad = code is not null, appAccess = invitee?.Id,
            }, c);
            return null;
        }, ct);
        if (refused is not null)
        {
            return refused;
        }

        // The hub gets the new code once this committed (Keypad/CredentialSetChanges.cs).
        return TypedResults.Created($"/api/v1/homes/{homeId}/grants/{grant.Id}", View(grant, credential!, invitee?.Email) with { KeypadCode = code });
    }

    public static async Task<Results<Ok<List<GrantView>>, ProblemHttpResult>> List(
        Guid homeId, ThresholdDbContext db, CancellationToken ct)
    {
        var grants = await db.Grants.AsNoTracking().Where(g => g.HomeId == homeId).ToListAsync(ct);
        var creds = await db.Credentials.AsNoTracking().Where(c => c.HomeId == homeId).ToDictionaryAsync(c => c.Id, ct);
        var inviteeIds = creds.Values.Where(c => c.AppUserId != null).Select(c => c.AppUserId!.Value).ToList();
        var emails = await db.Users.AsNoTracking().Where(u => inviteeIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.Email, ct);
        return TypedResults.Ok(grants.OrderBy(g => g.Name).Select(g =>
        {
            var c = creds.GetValueOrDefault(g.Id) ?? new Credential { Id = g.Id, HomeId = homeId, LockState = "none" };
            return View(g, c, c.AppUserId is { } id ? emails.GetValueOrDefault(id) : null);
        }).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        Guid homeId, Guid id, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, CancellationToken ct)
    {
        var result = await db.WriteAsync<ProblemHttpResult?>(audit, async c =>
        {
            var grant = await db.Grants.SingleOrDefaultAsync(g => g.Id == id && g.HomeId == homeId, c);
            if (grant is null)
            {
                return Problems.NotFound();
            }

            if (!grant.Revoked)
            {
                grant.Revoke();
                var credential = await db.Credentials.SingleOrDefaultAsync(x => x.Id == id, c);
                if (credential is not null)
                {
                    credential.Active = false;
                }

                await audit.AppendAsync(homeId, AuditTypes.GrantRevoked, "user:" + user.UserId(), new { grantId = id }, c);
            }

            return null;
        }, ct);
        if (result is not null)
        {
            return result;
        }

        // Off the lock within seconds: the revocation is a change to the hub's set (Keypad/CredentialSetChanges.cs).
        return TypedResults.NoContent();
    }

    private static GrantView View(Grant g, Credential c, string? email) => new(
        g.Id, g.Name, g.Kind.ToString().ToLowerInvariant(), ScheduleJson.ToJsonObject(g.Schedule), g.MaxEntries, g.EntriesUsed, g.Revoked,
        c.ProtectedCode is not null, g.Revoked ? "removed" : c.LockState, email, c.Notify, c.Film);
}
