using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Threshold.Domain.Deliveries;
using Threshold.Server.Audit;
using Threshold.Server.Carriers;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;

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
    public const double HomeLat = 52.520008;
    public const double HomeLon = 13.404954;
    private const string Password = "correct horse battery staple";

    private readonly BenchServer server;
    private readonly HttpClient http;
    private readonly Guid homeId;
    private readonly Guid carrierId;
    private readonly Guid enrolmentId;
    private int nextRef;

    private BenchWorld(BenchServer server, HttpClient http, Guid homeId, Guid carrierId, Guid enrolmentId, IReadOnlyList<BenchCourier> couriers)
    {
        this.server = server;
        this.http = http;
        this.homeId = homeId;
        this.carrierId = carrierId;
        this.enrolmentId = enrolmentId;
        Couriers = couriers;
    }

    public IReadOnlyList<BenchCourier> Couriers { get; }
    public Guid CarrierId => carrierId;

    public static HttpClient Client(BenchServer server, int concurrency) => new(new SocketsHttpHandler
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

    public static async Task<BenchWorld> CreateAsync(BenchServer server, HttpClient http, int couriers)
    {
        var email = $"resident-{Guid.NewGuid():N}@bench.test";
        await SendAsync(http, HttpMethod.Post, "/api/v1/auth/register", null, new { email, password = Password, name = "Resident" }, HttpStatusCode.Created);
        var owner = await LoginAsync(http, email);
        var home = await SendAsync(http, HttpMethod.Post, "/api/v1/homes", owner,
            new { name = "Bench home", timeZone = "UTC", latitude = HomeLat, longitude = HomeLon }, HttpStatusCode.Created);
        var homeId = home.GetProperty("id").GetGuid();

        // Carriers are registered by the operator command, which writes the row directly; so do we.
        Guid carrierId;
        string carrierKey;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            var (carrier, key) = Carrier.Create("Bench Parcel Co", TimeProvider.System.GetUtcNow());
            db.Carriers.Add(carrier);
            await db.SaveChangesAsync();
            (carrierId, carrierKey) = (carrier.Id, key);
        }

        var policy = new
        {
            days = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" },
            from = "00:00",
            to = "23:59",
            entryMethod = "remote",
            cameraRequired = true,
        };
        var enrolment = await SendAsync(http, HttpMethod.Post, $"/api/v1/homes/{homeId}/carriers", owner, new { carrierId, policy }, HttpStatusCode.Created);

        var list = new List<BenchCourier>();
        for (var i = 0; i < couriers; i++)
        {
            var courierEmail = $"courier{i}-{Guid.NewGuid():N}@bench.test";
            var created = await SendAsync(http, HttpMethod.Post, "/api/v1/carrier/couriers", carrierKey,
                new { email = courierEmail, password = Password, name = $"Courier {i}" }, HttpStatusCode.Created);
            list.Add(new BenchCourier(created.GetProperty("id").GetGuid(), await LoginAsync(http, courierEmail)));
        }

        return new BenchWorld(server, http, homeId, carrierId, enrolment.GetProperty("id").GetGuid(), list);
    }

    /// <summary>
    /// Schedules <paramref name="perWorker"/> deliveries for each worker, assigned to the worker's courier,
    /// and has that courier arrive at each through the API (<paramref name="workers"/> callers at once).
    /// Returns them interleaved across couriers, ready to be unlocked.
    /// </summary>
    public async Task<ConcurrentQueue<ArrivedDelivery>> PrepareAsync(int workers, int perWorker)
    {
        var assignment = Enumerable.Range(0, workers).Select(w => Couriers[w % Couriers.Count]).ToArray();
        var ids = new List<Guid>[workers];
        for (var w = 0; w < workers; w++)
        {
            ids[w] = await ScheduleAsync(assignment[w].Id, perWorker);
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            foreach (var id in ids[w])
            {
                await SendAsync(http, HttpMethod.Post, $"/api/v1/courier/deliveries/{id}/arrive", assignment[w].Token,
                    new { latitude = HomeLat + 0.0001, longitude = HomeLon, accuracy = 10.0, packageBarcode = "PKG-1" }, HttpStatusCode.OK);
            }
        }));
        var interleaved = Enumerable.Range(0, perWorker)
            .SelectMany(i => Enumerable.Range(0, workers).Select(w => new ArrivedDelivery(ids[w][i], assignment[w].Token)));
        return new ConcurrentQueue<ArrivedDelivery>(interleaved);
    }

    /// <summary>
    /// Writes what POST /deliveries followed by PUT /deliveries/{id}/courier would write (the same domain
    /// methods, rows and audit entries), in batches, because creating tens of thousands over HTTP would
    /// dominate the run. Arrival, which the unlock depends on, still goes through the API.
    /// </summary>
    private async Task<List<Guid>> ScheduleAsync(Guid courierId, int count)
    {
        var (start, end) = Window(TimeProvider.System.GetUtcNow());
        var ids = new List<Guid>(count);
        const int Batch = 500;
        for (var done = 0; done < count; done += Batch)
        {
            await using var scope = server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
            var maxWindow = scope.ServiceProvider.GetRequiredService<IOptions<AccessOptions>>().Value.MaxDeliveryWindow;
            var actor = "carrier:" + carrierId;
            await db.WriteAsync(audit, async ct =>
            {
                for (var i = done; i < Math.Min(count, done + Batch); i++)
                {
                    var now = TimeProvider.System.GetUtcNow();
                    var delivery = Delivery.Schedule(Guid.CreateVersion7(now), homeId, carrierId, enrolmentId,
                        $"bench-{Interlocked.Increment(ref nextRef)}", ["PKG-1", "PKG-2"], start, end, now, maxWindow);
                    db.Deliveries.Add(delivery);
                    await audit.AppendAsync(homeId, AuditTypes.DeliveryScheduled, actor,
                        new { deliveryId = delivery.Id, delivery.ExternalRef, packages = delivery.Packages.Count, windowStart = start, windowEnd = end }, ct);
                    delivery.AssignCourier(courierId, now);
                    await audit.AppendAsync(homeId, AuditTypes.DeliveryCourierAssigned, actor,
                        new { deliveryId = delivery.Id, data = new { courierId } }, ct);
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

    private static async Task<string> LoginAsync(HttpClient http, string email) =>
        (await SendAsync(http, HttpMethod.Post, "/api/v1/auth/login", null, new { email, password = Password }, HttpStatusCode.OK))
            .GetProperty("accessToken").GetString()!;

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string? bearer, object body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
