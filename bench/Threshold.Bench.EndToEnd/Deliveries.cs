using System.Net;
using Microsoft.Extensions.Options;
using Threshold.Domain.Deliveries;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// Set-up, never timed: arrived deliveries, one per unlock to come (each delivery's single entry is used once).
/// Scheduling and courier assignment write what POST /deliveries and PUT /deliveries/{id}/courier would write
/// (same domain methods, rows and audit entries) in batches; the arrival, which the unlock checks, goes through the API.
/// </summary>
internal static class Deliveries
{
    private static int nextRef;

    public static async Task<Queue<Guid>[]> PrepareAsync(EmbeddedStack stack, Guid carrierId, IReadOnlyList<BenchHome> homes, int perHome)
    {
        var queues = new Queue<Guid>[homes.Count];
        for (var h = 0; h < homes.Count; h++)
        {
            queues[h] = new Queue<Guid>(await ScheduleAsync(stack, carrierId, homes[h], perHome));
        }

        var arrive = World.AtTheDoor;
        await Task.WhenAll(homes.Select(async (home, h) =>
        {
            foreach (var id in queues[h])
            {
                await World.SendAsync(home.Courier, HttpMethod.Post, $"/api/v1/courier/deliveries/{id}/arrive", null, arrive, HttpStatusCode.OK);
            }
        }));
        return queues;
    }

    private static async Task<List<Guid>> ScheduleAsync(EmbeddedStack stack, Guid carrierId, BenchHome home, int count)
    {
        var (start, end) = Window(TimeProvider.System.GetUtcNow());
        var ids = new List<Guid>(count);
        const int Batch = 500;
        for (var done = 0; done < count; done += Batch)
        {
            await using var scope = stack.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
            var maxWindow = scope.ServiceProvider.GetRequiredService<IOptions<AccessOptions>>().Value.MaxDeliveryWindow;
            var actor = "carrier:" + carrierId;
            await db.WriteAsync(audit, async ct =>
            {
                for (var i = done; i < Math.Min(count, done + Batch); i++)
                {
                    var now = TimeProvider.System.GetUtcNow();
                    var delivery = Delivery.Schedule(Guid.CreateVersion7(now), home.HomeId, carrierId, home.EnrolmentId,
                        $"bench-e2e-{Interlocked.Increment(ref nextRef)}", ["PKG-1", "PKG-2"], start, end, now, maxWindow);
                    db.Deliveries.Add(delivery);
                    await audit.AppendAsync(home.HomeId, AuditTypes.DeliveryScheduled, actor,
                        new { deliveryId = delivery.Id, delivery.ExternalRef, packages = delivery.Packages.Count, windowStart = start, windowEnd = end }, ct);
                    delivery.AssignCourier(home.CourierId, now);
                    await audit.AppendAsync(home.HomeId, AuditTypes.DeliveryCourierAssigned, actor, new { deliveryId = delivery.Id, data = new { home.CourierId } }, ct);
                    ids.Add(delivery.Id);
                }

                return true;
            }, CancellationToken.None);
        }

        return ids;
    }

    /// <summary>A window open now that stays inside the UTC policy 00:00–23:59 (no crossing midnight).</summary>
    private static (DateTimeOffset Start, DateTimeOffset End) Window(DateTimeOffset now)
    {
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var start = now.AddMinutes(-5) < midnight ? midnight : now.AddMinutes(-5);
        var end = now.AddHours(2) > midnight.AddMinutes(23 * 60 + 59) ? midnight.AddMinutes(23 * 60 + 59) : now.AddHours(2);
        if (end - now < TimeSpan.FromMinutes(15))
        {
            throw new InvalidOperationException("Too close to 23:59 UTC for an open delivery window inside the policy; run again after 00:00 UTC.");
        }

        return (start, end);
    }
}
