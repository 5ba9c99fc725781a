using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Threshold.Hub;
using Threshold.Hub.Pairing;
using Threshold.Server.Carriers;
using Threshold.Server.Data;
using Threshold.Simulator;

namespace Threshold.Bench.EndToEnd;

/// <summary>One home of its own: its courier (with an HTTP client of its own), its simulated door and its paired hub.</summary>
internal sealed record BenchHome(int Index, Guid HomeId, Guid EnrolmentId, Guid CourierId, Guid HubId, HttpClient Courier, SimulatedHome Devices, IHost Hub);

/// <summary>
/// One resident owning <c>n</c> homes (zone UTC, policy every day 00:00–23:59, no camera required), one carrier
/// enrolled at all of them with one courier per home, and per home a simulated zigbee2mqtt lock and a real hub
/// paired through the API. Everything a resident, carrier or hub would do goes through the HTTP API.
/// </summary>
internal sealed class World : IAsyncDisposable
{
    public const double HomeLat = 52.520008;
    public const double HomeLon = 13.404954;
    private const string Password = "correct horse battery staple";
    private const int PairingsPerAddress = 8; // the pairing endpoint allows 10 a minute per client address

    private World(Guid carrierId, IReadOnlyList<BenchHome> homes)
    {
        CarrierId = carrierId;
        Homes = homes;
    }

    public Guid CarrierId { get; }
    public IReadOnlyList<BenchHome> Homes { get; }

    public static async Task<World> CreateAsync(EmbeddedStack stack, HubStateProbe probe, int count, TimeSpan actuation)
    {
        using var http = new HttpClient { BaseAddress = stack.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var email = $"resident-{Guid.NewGuid():N}@bench.test";
        await SendAsync(http, HttpMethod.Post, "/api/v1/auth/register", null, new { email, password = Password, name = "Resident" }, HttpStatusCode.Created);
        var owner = await LoginAsync(http, email);

        // Carriers are registered by the operator command, which writes the row directly; so do we.
        Guid carrierId;
        string carrierKey;
        await using (var scope = stack.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            var (carrier, key) = Carrier.Create("Bench Parcel Co", TimeProvider.System.GetUtcNow());
            db.Carriers.Add(carrier);
            await db.SaveChangesAsync();
            (carrierId, carrierKey) = (carrier.Id, key);
        }

        var pairing = Enumerable.Range(0, (count + PairingsPerAddress - 1) / PairingsPerAddress).Select(FromAddress).ToArray();
        var homes = new BenchHome[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
            homes[i] = await HomeAsync(stack, http, pairing[i / PairingsPerAddress], owner, carrierId, carrierKey, i, actuation));
        foreach (var client in pairing)
        {
            client.Dispose();
        }

        // Ready = the server counts the hub online and the hub has reported its bolt locked.
        foreach (var home in homes)
        {
            if (!await probe.WaitLockedAsync(home.HubId, 0, TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException($"Hub of home {home.Index} never reported its bolt locked.");
            }

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(await SendAsync(http, HttpMethod.Get, $"/api/v1/homes/{home.HomeId}", owner, null, HttpStatusCode.OK)).GetProperty("hubOnline").GetBoolean())
            {
                await Task.Delay(DateTime.UtcNow < deadline ? 20 : throw new InvalidOperationException($"Hub of home {home.Index} never came online."));
            }
        }

        return new World(carrierId, homes);
    }

    private static async Task<BenchHome> HomeAsync(
        EmbeddedStack stack, HttpClient http, HttpClient pairing, string owner, Guid carrierId, string carrierKey, int i, TimeSpan actuation)
    {
        var home = await SendAsync(http, HttpMethod.Post, "/api/v1/homes", owner,
            new { name = $"Bench home {i}", timeZone = "UTC", latitude = HomeLat, longitude = HomeLon }, HttpStatusCode.Created);
        var homeId = home.GetProperty("id").GetGuid();
        var policy = new
        {
            days = new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" },
            from = "00:00",
            to = "23:59",
            entryMethod = "remote",
            cameraRequired = false,
        };
        var enrolment = await SendAsync(http, HttpMethod.Post, $"/api/v1/homes/{homeId}/carriers", owner, new { carrierId, policy }, HttpStatusCode.Created);
        var courierEmail = $"courier{i}-{Guid.NewGuid():N}@bench.test";
        var courier = await SendAsync(http, HttpMethod.Post, "/api/v1/carrier/couriers", carrierKey,
            new { email = courierEmail, password = Password, name = $"Courier {i}" }, HttpStatusCode.Created);
        var courierToken = await LoginAsync(http, courierEmail);

        var baseTopic = $"z2m{i}";
        var devices = await SimulatedHome.StartAsync(new SimulatorOptions
        {
            MqttPort = stack.HomeBroker.Port,
            BaseTopic = baseTopic,
            ActuationDelay = actuation,
            RetainState = true,
        });
        await devices.WaitUntilConnectedAsync();

        var code = await SendAsync(http, HttpMethod.Post, $"/api/v1/homes/{homeId}/pairing-codes", owner, null, HttpStatusCode.Created);
        var hubDir = Path.Combine(stack.DataDir, "hubs", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var identity = await HubPairing.PairAsync(pairing, stack.BaseAddress.ToString(), code.GetProperty("code").GetString()!, $"hub {i}", hubDir, CancellationToken.None);
        var hub = HubHost.Build(
            new HubSettings { DataDirectory = hubDir, Zigbee = new ZigbeeSettings { Host = "127.0.0.1", Port = stack.HomeBroker.Port, BaseTopic = baseTopic } },
            services => services.AddLogging(l => l.AddProvider(stack.Logs)));
        await hub.StartAsync();

        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseCookies = false })
        {
            BaseAddress = stack.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", courierToken);
        return new BenchHome(i, homeId, enrolment.GetProperty("id").GetGuid(), courier.GetProperty("id").GetGuid(), identity.HubId, client, devices, hub);
    }

    /// <summary>
    /// An HTTP client whose connections come from 127.0.0.{10+n}: pairing is rate limited per client address,
    /// and pairing 64 hubs from one address would take seven minutes of set-up.
    /// </summary>
    private static HttpClient FromAddress(int n) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{10 + n}"), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    public static readonly object AtTheDoor = new { latitude = HomeLat + 0.0001, longitude = HomeLon, accuracy = 10.0, packageBarcode = "PKG-1" };

    public static async Task<string> LoginAsync(HttpClient http, string email) =>
        (await SendAsync(http, HttpMethod.Post, "/api/v1/auth/login", null, new { email, password = Password }, HttpStatusCode.OK))
            .GetProperty("accessToken").GetString()!;

    public static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string? bearer, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
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

    public async ValueTask DisposeAsync()
    {
        foreach (var home in Homes)
        {
            await home.Hub.StopAsync();
            home.Hub.Dispose();
            await home.Devices.DisposeAsync();
            home.Courier.Dispose();
        }
    }
}
