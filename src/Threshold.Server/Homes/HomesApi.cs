using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Domain.Access;
using Threshold.Domain.Schedules;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Homes;

internal sealed record CreateHomeRequest(string? Name, string? TimeZone, double? Latitude, double? Longitude);

internal sealed record HomeCreated(Guid Id, Guid LockId);

internal sealed record HomeSummary(Guid Id, string Name, string TimeZone, string Role);

internal sealed record LockView(Guid Id, string Name, string State, string Door);

/// <summary><see cref="HomeBroker"/>: <c>open</c>, <c>closed</c> or <c>unknown</c>, as the hub last found its home broker (docs/home-broker.md).</summary>
internal sealed record HomeState(
    Guid Id, string Name, string TimeZone, double Latitude, double Longitude,
    bool HubOnline, bool CameraLive, string HomeBroker, bool LockoutActive, DateTimeOffset? LockoutUntil, IReadOnlyList<LockView> Locks);

/// <summary><c>until</c> is an ISO 8601 instant with its offset, parsed like a delivery window (a bare local time is refused).</summary>
internal sealed record LockoutRequest(string? Until);

internal static class HomesApi
{
    public static IEndpointRouteBuilder MapHomes(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/homes").WithTags("Homes").RequireAuthorization(Policies.Resident);
        api.MapPost("/", Create);
        api.MapGet("/", List);
        var home = api.MapGroup("/{homeId:guid}").RequireHomeMember();
        home.MapGet("/", Get);
        home.MapPut("/lockout", StartLockout);
        home.MapDelete("/lockout", EndLockout);
        return app;
    }

    public static async Task<Results<Created<HomeCreated>, ProblemHttpResult>> Create(
        CreateHomeRequest body, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        var invalid = Check.First(
            Check.Text(body.Name, "name", 100),
            Check.Text(body.TimeZone, "timeZone", 64),
            Check.Required(body.Latitude, "latitude"),
            Check.Required(body.Longitude, "longitude"));
        if (invalid is not null)
        {
            return invalid;
        }

        if (!TryZone(body.TimeZone!, out _))
        {
            return Problems.Invalid("invalid_time_zone", "'timeZone' must be an IANA time zone such as Europe/Berlin.", "timeZone");
        }

        if (!GeoPoint.IsValid(body.Latitude!.Value, body.Longitude!.Value))
        {
            return Problems.Invalid("invalid_coordinates", "'latitude' must be within ±90 and 'longitude' within ±180.",
                Math.Abs(body.Latitude.Value) <= 90 ? "longitude" : "latitude");
        }

        var now = time.GetUtcNow();
        var home = Home.Create(body.Name!, body.TimeZone!, new GeoPoint(body.Latitude.Value, body.Longitude.Value), now);
        var door = new DoorLock { Id = Guid.CreateVersion7(now), HomeId = home.Id, Name = "Front door" };
        var actor = "user:" + user.UserId();
        await db.WriteAsync(audit, async c =>
        {
            db.Homes.Add(home);
            db.Locks.Add(door);
            db.HomeMembers.Add(new HomeMember { HomeId = home.Id, UserId = user.UserId(), Role = HomeRole.Owner });
            await audit.AppendAsync(home.Id, AuditTypes.HomeCreated, actor, new { home.Name, home.TimeZone, home.Latitude, home.Longitude, lockId = door.Id }, c);
            return true;
        }, ct);
        return TypedResults.Created($"/api/v1/homes/{home.Id}", new HomeCreated(home.Id, door.Id));
    }

    public static async Task<Ok<List<HomeSummary>>> List(ClaimsPrincipal user, ThresholdDbContext db, CancellationToken ct)
    {
        var userId = user.UserId();
        var homes = await db.HomeMembers.AsNoTracking()
            .Where(m => m.UserId == userId)
            .Join(db.Homes, m => m.HomeId, h => h.Id, (m, h) => new { h.Id, h.Name, h.TimeZone, m.Role })
            .ToListAsync(ct);
        return TypedResults.Ok(homes.Select(h => new HomeSummary(h.Id, h.Name, h.TimeZone, h.Role.ToString().ToLowerInvariant())).ToList());
    }

    public static async Task<Results<Ok<HomeState>, ProblemHttpResult>> Get(
        Guid homeId, ThresholdDbContext db, IHubGateway hubs, CancellationToken ct)
    {
        var home = await db.Homes.AsNoTracking().SingleAsync(h => h.Id == homeId, ct);
        var locks = await db.Locks.AsNoTracking().Where(l => l.HomeId == homeId)
            .Select(l => new LockView(l.Id, l.Name, l.State, l.Door)).ToListAsync(ct);
        var hub = await hubs.GetStatusAsync(homeId, ct);
        return TypedResults.Ok(new HomeState(home.Id, home.Name, home.TimeZone, home.Latitude, home.Longitude,
            hub.Online, hub.CameraLive, hub.HomeBroker, home.LockoutActive, home.LockoutUntil, locks));
    }

    /// <summary>Suspends every non-resident access at once; the hub holds it too (slots disabled, unlocks refused), also while offline.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> StartLockout(
        Guid homeId, LockoutRequest? body, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, TimeProvider time, CancellationToken ct)
    {
        DateTimeOffset? until = null;
        if (body?.Until is not null)
        {
            if (Instants.Parse(body.Until, "until", out var parsed) is { } invalid)
            {
                return invalid;
            }

            if (parsed <= time.GetUtcNow())
            {
                return Problems.Invalid("invalid_until", "'until' must be in the future.", "until");
            }

            until = parsed;
        }

        await db.WriteAsync(audit, async c =>
        {
            var home = await db.Homes.SingleAsync(h => h.Id == homeId, c);
            home.StartLockout(until);
            await audit.AppendAsync(homeId, AuditTypes.LockoutStarted, "user:" + user.UserId(), new { until }, c);
            return true;
        }, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> EndLockout(
        Guid homeId, ClaimsPrincipal user, ThresholdDbContext db, AuditTrail audit, CancellationToken ct)
    {
        await db.WriteAsync(audit, async c =>
        {
            var home = await db.Homes.SingleAsync(h => h.Id == homeId, c);
            home.EndLockout();
            await audit.AppendAsync(homeId, AuditTypes.LockoutEnded, "user:" + user.UserId(), new { }, c);
            return true;
        }, ct);
        return TypedResults.NoContent();
    }

    private static bool TryZone(string id, out TimeZoneInfo? zone)
    {
        zone = null;
        // Zone ids name files under /usr/share/zoneinfo; allow only what IANA ids contain.
        if (id.Contains("..", StringComparison.Ordinal) || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+'))
        {
            return false;
        }

        try
        {
            zone = TimeZones.ResolveZone(id);
            // The zone loader also answers to other spellings ("EUROPE/BERLIN", "utc"); store only the IANA id itself.
            return zone.Id == id;
        }
        catch (DomainException)
        {
            zone = null;
            return false;
        }
    }
}
