using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Threshold.Server.Audit;
using Threshold.Server.Auth;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Webhooks;

internal sealed record WebhookRequest(string? Url, string[]? Events);

internal sealed record WebhookView(Guid Id, string Url, List<string> Events, DateTimeOffset CreatedAt);

/// <summary>The one answer that carries the secret; it is never shown again.</summary>
internal sealed record CreatedWebhookView(Guid Id, string Url, List<string> Events, DateTimeOffset CreatedAt, string Secret);

internal sealed record WebhookAttemptView(
    string WebhookId, Guid DeliveryId, string Event, string State, int Attempts, int? LastStatusCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? NextRetryAt, DateTimeOffset? DeliveredAt, DateTimeOffset? FailedAt);

/// <summary>A carrier's webhook endpoints (docs/webhooks.md). Another carrier's endpoint is answered as if it did not exist.</summary>
internal static class WebhooksApi
{
    /// <summary>How many recent messages <c>GET /{id}/deliveries</c> lists.</summary>
    public const int RecentAttempts = 100;

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/carrier/webhooks").WithTags("Webhooks").RequireAuthorization(Policies.Carrier);
        api.MapPost("/", Create);
        api.MapGet("/", List);
        api.MapDelete("/{id:guid}", Delete);
        api.MapGet("/{id:guid}/deliveries", Attempts);
        return app;
    }

    public static async Task<Results<Created<CreatedWebhookView>, ProblemHttpResult>> Create(
        WebhookRequest body, ClaimsPrincipal carrier, ThresholdDbContext db, AuditTrail audit, WebhookDispatcher dispatcher,
        IOptions<WebhookOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (WebhookTargets.Validate(body.Url, options.Value.AllowPrivateTargets, out var url) is { } badUrl)
        {
            return badUrl;
        }

        if (ValidateEvents(body.Events) is { } badEvents)
        {
            return badEvents;
        }

        var carrierId = carrier.CarrierId();
        var secret = WebhookSignature.NewSecret();
        var subscription = WebhookSubscription.Create(carrierId, url, body.Events!, dispatcher.ProtectSecret(secret), time.GetUtcNow());
        var refused = await db.WriteAsync<ProblemHttpResult?>(audit, async c =>
        {
            // Counted inside the write, which the one writer serialises: parallel requests cannot overshoot the limit.
            if (await db.Set<WebhookSubscription>().CountAsync(s => s.CarrierId == carrierId, c) >= options.Value.MaxPerCarrier)
            {
                return Problems.Conflict("too_many_webhooks", $"A carrier may register at most {options.Value.MaxPerCarrier} webhook endpoints.");
            }

            db.Set<WebhookSubscription>().Add(subscription);
            return null;
        }, ct);
        if (refused is not null)
        {
            return refused;
        }

        return TypedResults.Created($"/api/v1/carrier/webhooks/{subscription.Id}",
            new CreatedWebhookView(subscription.Id, subscription.Url, subscription.Events, subscription.CreatedAt, secret));
    }

    public static async Task<Ok<List<WebhookView>>> List(ClaimsPrincipal carrier, ThresholdDbContext db, CancellationToken ct)
    {
        var carrierId = carrier.CarrierId();
        var list = await db.Set<WebhookSubscription>().AsNoTracking().Where(s => s.CarrierId == carrierId)
            .OrderBy(s => s.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(list.Select(s => new WebhookView(s.Id, s.Url, s.Events, s.CreatedAt)).ToList());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, ClaimsPrincipal carrier, ThresholdDbContext db, AuditTrail audit, CancellationToken ct)
    {
        var carrierId = carrier.CarrierId();
        var deleted = await db.WriteAsync(audit, async c =>
        {
            var subscription = await db.Set<WebhookSubscription>().SingleOrDefaultAsync(s => s.Id == id && s.CarrierId == carrierId, c);
            if (subscription is null)
            {
                return false;
            }

            // Its undelivered messages go with it (cascade): nobody is left to send them to.
            db.Set<WebhookSubscription>().Remove(subscription);
            return true;
        }, ct);
        return deleted ? TypedResults.NoContent() : Problems.NotFound();
    }

    public static async Task<Results<Ok<List<WebhookAttemptView>>, ProblemHttpResult>> Attempts(
        Guid id, ClaimsPrincipal carrier, ThresholdDbContext db, CancellationToken ct)
    {
        var carrierId = carrier.CarrierId();
        if (!await db.Set<WebhookSubscription>().AnyAsync(s => s.Id == id && s.CarrierId == carrierId, ct))
        {
            return Problems.NotFound();
        }

        var messages = await db.Set<WebhookMessage>().AsNoTracking().Where(m => m.SubscriptionId == id)
            .OrderByDescending(m => m.Sequence).Take(RecentAttempts).ToListAsync(ct);
        return TypedResults.Ok(messages.Select(View).ToList());
    }

    private static WebhookAttemptView View(WebhookMessage m) => new(
        m.WebhookId, m.DeliveryId, m.Event, m.State.ToString().ToLowerInvariant(), m.Attempts, m.LastStatusCode, m.LastError, m.CreatedAt,
        m.LastAttemptAt, m.State == WebhookMessageState.Pending ? m.NextAttemptAt : null,
        m.State == WebhookMessageState.Delivered ? m.DoneAt : null, m.State == WebhookMessageState.Failed ? m.DoneAt : null);

    private static ProblemHttpResult? ValidateEvents(string[]? events)
    {
        if (events is null)
        {
            return Problems.Invalid("missing_field", "'events' is required.", "events");
        }

        if (events.Length == 0)
        {
            return Problems.Invalid("invalid_events", "'events' must name at least one event.", "events");
        }

        if (events.Any(e => e is null || !WebhookEvents.All.Contains(e)))
        {
            return Problems.Invalid("unknown_event", $"Known events: {string.Join(", ", WebhookEvents.All.Order(StringComparer.Ordinal))}.", "events");
        }

        return events.Length != events.Distinct(StringComparer.Ordinal).Count()
            ? Problems.Invalid("duplicate_event", "'events' names an event twice.", "events")
            : null;
    }
}
