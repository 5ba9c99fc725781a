using System.Net;
using Threshold.Testing;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// Set-up, never timed: arrived deliveries, one per unlock to come (each delivery's single entry is used once).
/// Scheduling and courier assignment are written in bulk (<see cref="BulkDeliveries"/>); the arrival, which the
/// unlock checks, goes through the API on the home's courier client.
/// </summary>
internal static class Deliveries
{
    public static async Task<Queue<Guid>[]> PrepareAsync(EmbeddedStack stack, Guid carrierId, IReadOnlyList<BenchHome> homes, int perHome)
    {
        var queues = new Queue<Guid>[homes.Count];
        for (var h = 0; h < homes.Count; h++)
        {
            var home = homes[h];
            queues[h] = new Queue<Guid>(await BulkDeliveries.ScheduleAsync(stack.Server, home.HomeId, carrierId, home.EnrolmentId, home.CourierId, perHome, "bench-e2e"));
        }

        await Task.WhenAll(homes.Select(async (home, h) =>
        {
            var courier = new ThresholdApi(home.Courier);
            foreach (var id in queues[h])
            {
                await (await courier.ArriveAsync(home.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
            }
        }));
        return queues;
    }
}
