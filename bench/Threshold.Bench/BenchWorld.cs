using System.Collections.Concurrent;
using System.Net;
using Threshold.Testing;

namespace Threshold.Bench;

internal sealed record BenchCourier(Guid Id, string Token);

/// <summary>An arrived delivery and the token of the courier assigned to it.</summary>
internal sealed record ArrivedDelivery(Guid Id, string CourierToken);

/// <summary>
/// One resident's home (zone UTC, policy every day 00:00–23:59) enrolled with one carrier that has
/// <c>couriers</c> couriers, built through the public API as a resident and a carrier would.
/// </summary>
internal sealed class BenchWorld
{
    private readonly ServerHost server;
    private readonly ThresholdApi api;
    private readonly Guid homeId;
    private readonly Guid carrierId;
    private readonly Guid enrolmentId;

    private BenchWorld(ServerHost server, ThresholdApi api, Guid homeId, Guid carrierId, Guid enrolmentId, IReadOnlyList<BenchCourier> couriers)
    {
        this.server = server;
        this.api = api;
        this.homeId = homeId;
        this.carrierId = carrierId;
        this.enrolmentId = enrolmentId;
        Couriers = couriers;
    }

    public IReadOnlyList<BenchCourier> Couriers { get; }
    public Guid CarrierId => carrierId;

    public static HttpClient Client(ServerHost server, int concurrency) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = concurrency * 2,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        BaseAddress = server.BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public static async Task<BenchWorld> CreateAsync(ServerHost server, HttpClient http, int couriers)
    {
        var api = new ThresholdApi(http);
        var (_, owner) = await api.ResidentAsync();
        var (homeId, _) = await api.HomeAsync(owner, timeZone: "UTC", name: "Bench home");
        var (carrierId, carrierKey) = await server.CarrierAsync("Bench Parcel Co");
        var (enrolmentId, _) = await api.EnrolmentAsync(owner, homeId, carrierId, Api.EveryDayPolicy(cameraRequired: true));
        var list = new List<BenchCourier>();
        for (var i = 0; i < couriers; i++)
        {
            var (id, token) = await api.CourierAsync(carrierKey, $"Courier {i}");
            list.Add(new BenchCourier(id, token));
        }

        return new BenchWorld(server, api, homeId, carrierId, enrolmentId, list);
    }

    /// <summary>
    /// Schedules <paramref name="perWorker"/> deliveries for each worker, assigned to the worker's courier
    /// (<see cref="BulkDeliveries"/>), and has that courier arrive at each through the API (<paramref name="workers"/>
    /// callers at once). Returns them interleaved across couriers, ready to be unlocked.
    /// </summary>
    public async Task<ConcurrentQueue<ArrivedDelivery>> PrepareAsync(int workers, int perWorker)
    {
        var assignment = Enumerable.Range(0, workers).Select(w => Couriers[w % Couriers.Count]).ToArray();
        var ids = new List<Guid>[workers];
        for (var w = 0; w < workers; w++)
        {
            ids[w] = await BulkDeliveries.ScheduleAsync(server, homeId, carrierId, enrolmentId, assignment[w].Id, perWorker, "bench");
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            foreach (var id in ids[w])
            {
                await (await api.ArriveAsync(assignment[w].Token, id)).JsonAsync(HttpStatusCode.OK);
            }
        }));
        var interleaved = Enumerable.Range(0, perWorker)
            .SelectMany(i => Enumerable.Range(0, workers).Select(w => new ArrivedDelivery(ids[w][i], assignment[w].Token)));
        return new ConcurrentQueue<ArrivedDelivery>(interleaved);
    }
}
