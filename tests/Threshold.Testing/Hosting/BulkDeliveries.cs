using Microsoft.Extensions.Options;
using Threshold.Domain.Deliveries;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;

namespace Threshold.Testing;

/// <summary>
/// Set-up for the benches, never timed: scheduled deliveries assigned to a courier, written as
/// <c>POST /deliveries</c> followed by <c>PUT /deliveries/{id}/courier</c> would write them (the same domain methods,
/// rows and audit entries) in batches of 500, because creating tens of thousands over HTTP would take longer than
/// the measurement itself. Arrival, which an unlock checks, stays with the caller and goes through the API.
/// </summary>
internal static class BulkDeliveries
{
    private const int Batch = 500;
    private static int nextRef;

    /// <summary>
    /// <paramref name="count"/> deliveries at the home for its enrolled carrier, assigned to <paramref name="courierId"/>,
    /// with windows open now inside a UTC every-day 00:00–23:59 policy (<see cref="Api.EveryDayPolicy"/> in zone UTC).
    /// </summary>
    public static async Task<List<Guid>> ScheduleAsync(ServerHost server, Guid homeId, Guid carrierId, Guid enrolmentId, Guid courierId, int count, string refPrefix)
    {
        var (start, end) = Window(server.Time.GetUtcNow());
        var ids = new List<Guid>(count);
        var actor = "carrier:" + carrierId;
        for (var done = 0; done < count; done += Batch)
        {
            await using var scope = server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
            var maxWindow = scope.ServiceProvider.GetRequiredService<IOptions<AccessOptions>>().Value.MaxDeliveryWindow;
            await db.WriteAsync(audit, async ct =>
            {
                for (var i = done; i < Math.Min(count, done + Batch); i++)
                {
                    var now = server.Time.GetUtcNow();
                    var delivery = Delivery.Schedule(Guid.CreateVersion7(now), homeId, carrierId, enrolmentId,
                        $"{refPrefix}-{Interlocked.Increment(ref nextRef)}", ["PKG-1", "PKG-2"], start, end, now, maxWindow);
                    db.Deliveries.Add(delivery);
                    await audit.AppendAsync(homeId, AuditTypes.DeliveryScheduled, actor,
                        new { deliveryId = delivery.Id, delivery.ExternalRef, packages = delivery.Packages.Count, windowStart = start, windowEnd = end }, ct);
                    delivery.AssignCourier(courierId, now);
                    await audit.AppendAsync(homeId, AuditTypes.DeliveryCourierAssigned, actor, new { deliveryId = delivery.Id, data = new { courierId } }, ct);
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
