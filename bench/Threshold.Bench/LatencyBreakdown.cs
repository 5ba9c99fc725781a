using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Auth;
using Threshold.Server.Courier;
using Threshold.Server.Data;
using Threshold.Testing;

namespace Threshold.Bench;

/// <summary>
/// One client, one request at a time, so nothing queues on SQLite's write lock: where an unlock's
/// time goes, by peeling layers off. Each step is measured twice over its own set of requests.
/// <list type="number">
/// <item>an unrouted GET (404): Kestrel, middleware and the loopback round trip only;</item>
/// <item>GET /courier/deliveries/{id}: plus bearer-token authentication, authorisation and one SELECT;</item>
/// <item>the same SELECT in process through a fresh DI scope: EF Core and SQLite alone;</item>
/// <item>CourierDoor.UnlockAsync in process through a fresh DI scope: the unlock's checks, reads and transaction alone;</item>
/// <item>POST /unlock: everything.</item>
/// </list>
/// </summary>
internal static class LatencyBreakdown
{
    private const int Samples = 400;

    public static async Task RunAsync(ServerHost server, BenchWorld world, HttpClient http, AuthenticationHeaderValue auth, SqlTrace.StatementSink sink)
    {
        var courier = world.Couriers[0];
        var reads = await world.PrepareAsync(workers: 1, perWorker: Samples);
        var readIds = reads.Select(d => d.Id).ToArray();
        sink.Clear();
        await SqlTrace.SendAsync(http, auth, HttpMethod.Get, $"/api/v1/courier/deliveries/{readIds[0]}");
        Console.WriteLine($"statements SQLite executed for one GET /api/v1/courier/deliveries/{{id}}: {sink.Drain().Count}");
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, courier.Id.ToString()),
            new Claim(ThresholdClaims.CarrierId, world.CarrierId.ToString()),
            new Claim(ThresholdClaims.Kind, "Courier"),
        ], "bench"));

        Console.WriteLine($"one client, one request at a time, {Samples} requests per step; p50 / mean latency, and mean time inside SQLite, in ms (pass 0 is warm-up):");
        for (var pass = 0; pass <= 2; pass++)
        {
            var directIds = (await world.PrepareAsync(workers: 1, perWorker: Samples)).Select(d => d.Id).ToArray();
            var httpIds = (await world.PrepareAsync(workers: 1, perWorker: Samples)).Select(d => d.Id).ToArray();
            var steps = new (string Name, Guid[] Ids, Func<Guid, Task> Call)[]
            {
                ("unrouted GET (HTTP only)", readIds, _ => SqlTrace.SendAsync(http, null, HttpMethod.Get, "/api/v1/none", HttpStatusCode.NotFound)),
                ("GET delivery (HTTP + auth + 1 SELECT)", readIds, id => SqlTrace.SendAsync(http, auth, HttpMethod.Get, $"/api/v1/courier/deliveries/{id}")),
                ("same SELECT in process", readIds, id => ReadAsync(server, courier.Id, id)),
                ("CourierDoor.UnlockAsync in process", directIds, id => UnlockInProcessAsync(server, principal, id)),
                ("POST unlock (everything)", httpIds, id => SqlTrace.UnlockAsync(http, auth, id)),
            };
            foreach (var (name, ids, call) in steps)
            {
                sink.Clear();
                var (p50, mean) = await MeasureAsync(ids, call);
                var inSqlite = sink.Drain().Sum(x => x.Nanoseconds) / 1e6 / ids.Length;
                Console.WriteLine($"  pass {pass}: {name,-40} {p50,6:F2} / {mean,6:F2}   SQLite {inSqlite,5:F2}");
            }
        }
    }

    private static async Task ReadAsync(ServerHost server, Guid courierId, Guid id)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        _ = await db.Deliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id && d.CourierId == courierId)
            ?? throw new InvalidOperationException($"delivery {id} not found");
    }

    private static async Task UnlockInProcessAsync(ServerHost server, ClaimsPrincipal courier, Guid id)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var door = scope.ServiceProvider.GetRequiredService<CourierDoor>();
        var result = await door.UnlockAsync(id, courier, CancellationToken.None);
        if (result.Result is not Microsoft.AspNetCore.Http.HttpResults.Ok<DoorStepResult>)
        {
            throw new InvalidOperationException($"in-process unlock of {id} was refused");
        }
    }

    private static async Task<(double P50, double Mean)> MeasureAsync(Guid[] ids, Func<Guid, Task> call)
    {
        var tally = new WorkerTally();
        var clock = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            var started = Stopwatch.GetTimestamp();
            await call(id);
            tally.Success(started);
        }

        var result = WorkerTally.Combine("", [tally], clock.Elapsed, clock.Elapsed, exhaustedEarly: false);
        return (result.P50Ms, clock.Elapsed.TotalMilliseconds / ids.Length);
    }
}
