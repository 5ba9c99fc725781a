using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Threshold.Simulator;
using Threshold.Testing;

namespace Threshold.Bench.EndToEnd;

/// <summary>One home of its own: its courier (with an HTTP client of its own), and its simulated door with a paired hub.</summary>
internal sealed record BenchHome(int Index, Guid HomeId, Guid EnrolmentId, Guid CourierId, string CourierToken, HttpClient Courier, PairedHome Paired)
{
    public Guid HubId => Paired.HubId;

    public SimulatedHome Devices => Paired.Devices;
}

/// <summary>
/// One resident owning <c>n</c> homes (zone UTC, policy every day 00:00–23:59, no camera required), one carrier
/// enrolled at all of them with one courier per home, and per home a simulated zigbee2mqtt lock and a real hub
/// paired through the API (<see cref="PairedHome"/>, with the hub's default settings). Everything a resident,
/// carrier or hub would do goes through the HTTP API.
/// </summary>
internal sealed class World : IAsyncDisposable
{
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
        var api = new ThresholdApi(http);
        var (_, owner) = await api.ResidentAsync();
        var (carrierId, carrierKey) = await stack.Server.CarrierAsync("Bench Parcel Co");

        var pairing = Enumerable.Range(0, (count + PairingsPerAddress - 1) / PairingsPerAddress).Select(FromAddress).ToArray();
        var homes = new BenchHome[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
            homes[i] = await HomeAsync(stack, api, pairing[i / PairingsPerAddress], owner, carrierId, carrierKey, i, actuation));
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

            await home.Paired.WaitOnlineAsync(TimeSpan.FromSeconds(30));
        }

        return new World(carrierId, homes);
    }

    private static async Task<BenchHome> HomeAsync(
        EmbeddedStack stack, ThresholdApi api, HttpClient pairing, string owner, Guid carrierId, string carrierKey, int i, TimeSpan actuation)
    {
        var (homeId, _) = await api.HomeAsync(owner, timeZone: "UTC", name: $"Bench home {i}");
        var (enrolmentId, _) = await api.EnrolmentAsync(owner, homeId, carrierId, Api.EveryDayPolicy(cameraRequired: false));
        var (courierId, courierToken) = await api.CourierAsync(carrierKey, $"Courier {i}");
        var paired = await PairedHome.StartAsync(stack.Server, owner, homeId, stack.HomeBroker, new PairedHomeOptions
        {
            BaseTopic = $"z2m{i}",
            ActuationDelay = actuation,
            RetainState = true,
            Logs = stack.Logs,
            PairingClient = pairing,
            HubName = $"hub {i}",
            HubDirectory = Path.Combine(stack.DataDir, "hubs", i.ToString(CultureInfo.InvariantCulture)),
        });

        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseCookies = false })
        {
            BaseAddress = stack.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", courierToken);
        return new BenchHome(i, homeId, enrolmentId, courierId, courierToken, client, paired);
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

    public async ValueTask DisposeAsync()
    {
        foreach (var home in Homes)
        {
            await home.Paired.DisposeAsync();
            home.Courier.Dispose();
        }
    }
}
