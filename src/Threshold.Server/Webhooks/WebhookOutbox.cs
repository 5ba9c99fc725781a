using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Deliveries;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;

namespace Threshold.Server.Webhooks;

/// <summary>The JSON every webhook carries (docs/webhooks.md); <c>type</c> is one of <see cref="WebhookEvents"/>.</summary>
internal sealed record WebhookPayload(string Type, DateTimeOffset Timestamp, WebhookDeliveryData Data);

internal sealed record WebhookDeliveryData(
    Guid DeliveryId, string ExternalRef, string Status, string? FailureReason, Guid? CourierId, DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd, int Version);

/// <summary>
/// Writes each delivery event into the outbox of every endpoint of the delivery's carrier that asked for it, inside the
/// write that made the change: <see cref="SqliteWriter"/> stages consequences before it saves, so the rows added here
/// are saved and committed with the change, or undone with it. Nobody who changes a delivery has to think of webhooks.
/// Once committed, the dispatcher is woken to send them.
/// </summary>
internal sealed class WebhookOutbox(WebhookDispatcher dispatcher, TimeProvider time) : IWriteConsequence
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async ValueTask<Action?> StageAsync(ThresholdDbContext db, CancellationToken ct)
    {
        List<(Delivery Delivery, string Event, int Step)>? events = null;
        foreach (var entry in db.ChangeTracker.Entries<Delivery>())
        {
            var made = WebhookEvents.Of(entry);
            for (var step = 0; step < made.Count; step++)
            {
                (events ??= []).Add((entry.Entity, made[step], step));
            }
        }

        if (events is null)
        {
            return null;
        }

        var carriers = events.Select(e => e.Delivery.CarrierId).Distinct().ToList();
        var endpoints = await db.Set<WebhookSubscription>().AsNoTracking()
            .Where(s => carriers.Contains(s.CarrierId))
            .Select(s => new { s.Id, s.CarrierId, s.Events })
            .ToListAsync(ct);
        if (endpoints.Count == 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var added = 0;
        foreach (var (delivery, name, step) in events)
        {
            string? body = null;
            foreach (var endpoint in endpoints.Where(s => s.CarrierId == delivery.CarrierId && s.Events.Contains(name)))
            {
                body ??= JsonSerializer.Serialize(Payload(delivery, name), Json);
                // Version grows with every change of the delivery, so (version, step) orders its events across writes.
                var order = (long)delivery.Version * 16 + step;
                db.Set<WebhookMessage>().Add(WebhookMessage.Create(endpoint.Id, delivery.Id, order, name, Guid.CreateVersion7(now), body, now));
                added++;
            }
        }

        return added == 0 ? null : dispatcher.Wake;
    }

    private static WebhookPayload Payload(Delivery d, string name) => new(
        name,
        d.UpdatedAt,
        new WebhookDeliveryData(d.Id, d.ExternalRef, DeliveryView.StatusName(d.Status), d.FailureReason, d.CourierId, d.WindowStart, d.WindowEnd, d.Version));
}
