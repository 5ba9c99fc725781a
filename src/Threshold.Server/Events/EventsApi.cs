using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Events;

/// <summary>The household's activity feed (everything the audit trail records), paged and live.</summary>
internal static class EventsApi
{
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/homes/{homeId:guid}/events").WithTags("Events").RequireAuthorization(Policies.Resident).RequireHomeMember();
        api.MapGet("/", List);
        api.MapGet("/stream", Stream);
        return app;
    }

    public static async Task<Results<Ok<List<ActivityItem>>, ProblemHttpResult>> List(
        Guid homeId, ThresholdDbContext db, CancellationToken ct, long? after = null, int? limit = null)
    {
        if (limit is < 1 or > 500)
        {
            return Problems.Invalid("invalid_field", "'limit' must be 1–500.", "limit");
        }

        return TypedResults.Ok(await PageAsync(db, homeId, after ?? 0, limit ?? 100, ct));
    }

    /// <summary>
    /// Server-Sent Events: replays what came after <c>Last-Event-ID</c> (or nothing), then pushes each
    /// new entry as it commits. The event id is the audit sequence number.
    /// </summary>
    public static async Task<Results<ServerSentEventsResult<object>, ProblemHttpResult>> Stream(
        Guid homeId, ThresholdDbContext db, ActivityBroadcaster broadcaster, HttpRequest request, CancellationToken ct)
    {
        long? resumeAfter = long.TryParse(request.Headers["Last-Event-ID"], out var last) && last >= 0 ? last : null;
        // Subscribe before replaying, so nothing committed in between is missed; duplicates are skipped by seq.
        var subscription = broadcaster.Subscribe(homeId);
        var backlog = resumeAfter is { } after ? await PageAsync(db, homeId, after, 500, ct) : [];
        return TypedResults.ServerSentEvents(Items(subscription, backlog, resumeAfter ?? 0, ct));
    }

    private static async IAsyncEnumerable<SseItem<object>> Items(
        ActivityBroadcaster.Subscription subscription, List<ActivityItem> backlog, long after, [EnumeratorCancellation] CancellationToken ct)
    {
        using var _ = subscription;
        // A first event sends the headers at once, so clients know they are subscribed before anything happens.
        yield return new SseItem<object>(new { subscribed = true }, "ready");
        var lastSent = after;
        foreach (var item in backlog)
        {
            lastSent = item.Seq;
            yield return Sse(item);
        }

        await foreach (var item in subscription.Reader.ReadAllAsync(ct))
        {
            if (item.Seq <= lastSent)
            {
                continue;
            }

            lastSent = item.Seq;
            yield return Sse(item);
        }
    }

    private static SseItem<object> Sse(ActivityItem item) =>
        new(item, "activity") { EventId = item.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static async Task<List<ActivityItem>> PageAsync(ThresholdDbContext db, Guid homeId, long after, int limit, CancellationToken ct)
    {
        var entries = await db.AuditEntries.AsNoTracking()
            .Where(e => e.HomeId == homeId && e.Seq > after)
            .OrderBy(e => e.Seq).Take(limit).ToListAsync(ct);
        return entries.Select(ActivityItem.From).ToList();
    }
}
