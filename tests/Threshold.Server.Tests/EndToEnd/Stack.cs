using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Threshold.Demo.HomeNetwork;
using Threshold.Hub;
using Threshold.Hub.Pairing;
using Threshold.Server.Data;
using Threshold.Server.Tests.Support;
using Threshold.Simulator;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// The whole system on loopback: the server with its embedded broker, a home broker, the simulated
/// zigbee2mqtt lock and contact sensor, and a real hub paired through the API. Server and hub share
/// the fake clock (commands carry its time; relock timers run on it).
/// </summary>
internal sealed class Stack : IAsyncDisposable
{
    private Stack(ServerHost server, HomeNetworkBroker homeBroker, SimulatedHome devices, World world, string hubDir)
    {
        Server = server;
        HomeBroker = homeBroker;
        Devices = devices;
        World = world;
        HubDir = hubDir;
        Control = new SimulatorControl(devices.ControlUrl!);
    }

    public ServerHost Server { get; }
    public HomeNetworkBroker HomeBroker { get; }
    public SimulatedHome Devices { get; }

    /// <summary>The same devices over the simulator's HTTP control surface.</summary>
    public SimulatorControl Control { get; }
    public World World { get; }
    public string HubDir { get; }
    public IHost? Hub { get; private set; }
    public HubSettings HubSettings => new()
    {
        DataDirectory = HubDir,
        Zigbee = new ZigbeeSettings { Host = "127.0.0.1", Port = HomeBroker.Port },
        Relock = new RelockSettings { AfterCloseSeconds = 5, MaxUnlockedSeconds = 30, DoorHeldOpenSeconds = 60 },
        BatchResendSeconds = 1,
        ReconnectMaxSeconds = 1,
    };

    public static async Task<Stack> StartAsync(IDictionary<string, string>? serverSettings = null, DateTimeOffset? start = null)
    {
        var settings = new Dictionary<string, string>(serverSettings ?? new Dictionary<string, string>()) { ["Threshold:Mqtt:CommandTimeout"] = "00:00:05" };
        var server = await ServerHost.StartAsync(settings, fakeHub: false, start);
        var world = await World.CreateAsync(server, cameraRequired: false);
        var homeBroker = await HomeNetworkBroker.StartAsync(FreePort());
        var devices = await SimulatedHome.StartAsync(new SimulatorOptions
        {
            MqttPort = homeBroker.Port, ActuationDelay = TimeSpan.FromMilliseconds(5), RetainState = true, ControlUrl = new Uri("http://127.0.0.1:0/"),
        });
        await devices.WaitUntilConnectedAsync();

        var hubDir = Path.Combine(server.DataDir, "hub");
        var code = await (await server.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/pairing-codes", null)).JsonAsync(HttpStatusCode.Created);
        using var http = new HttpClient();
        await HubPairing.PairAsync(http, server.BaseAddress.ToString(), code.GetProperty("code").GetString()!, "test hub", hubDir, CancellationToken.None);
        var stack = new Stack(server, homeBroker, devices, world, hubDir);
        await stack.StartHubAsync();
        return stack;
    }

    public async Task StartHubAsync()
    {
        Hub = HubHost.Build(HubSettings, services => services.AddSingleton<TimeProvider>(Server.Clock).AddLogging(l => l.AddProvider(Server.Logs)));
        await Hub.StartAsync();
        await WaitUntilAsync(async () => (await HomeAsync()).GetProperty("hubOnline").GetBoolean(), "hub online");
    }

    public async Task StopHubAsync() => await StopHubAsync(waitOffline: true);

    private async Task StopHubAsync(bool waitOffline)
    {
        if (Hub is null)
        {
            return;
        }

        await Hub.StopAsync();
        Hub.Dispose();
        Hub = null;
        if (waitOffline)
        {
            // Until the server has seen the hub's "offline", it still reports the old session as online, and a
            // restart could pass its "hub online" wait before the new session has subscribed to its commands.
            // Read from the database: a test may have moved the clock past the owner's token.
            await WaitUntilAsync(async () =>
            {
                await using var scope = Server.Services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
                return !await db.Hubs.AsNoTracking().AnyAsync(h => h.HomeId == World.HomeId && h.Online);
            }, "hub offline");
        }
    }

    public async Task<JsonElement> HomeAsync() =>
        await (await Server.Client(World.OwnerToken).GetAsync($"/api/v1/homes/{World.HomeId}")).JsonAsync(HttpStatusCode.OK);

    public async Task<string?> DeliveryStatusAsync(Guid deliveryId) =>
        (await (await Server.Client(World.CarrierKey).GetAsync($"/api/v1/deliveries/{deliveryId}")).JsonAsync(HttpStatusCode.OK))
            .GetProperty("status").GetString();

    /// <summary>The home's audit trail through the owner's export, each line parsed.</summary>
    public Task<List<AuditLine>> AuditAsync() => Server.AuditAsync(World.OwnerToken, World.HomeId);

    public async Task<(Guid Id, string Barcode)> ArrivedDeliveryAsync()
    {
        var id = await Server.DeliveryAsync(World.CarrierKey, World.HomeAccessId, World.CourierId);
        await (await Server.ArriveAsync(World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        return (id, "PKG-1");
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for: {what}");
            await Task.Delay(25);
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what, int seconds = 15) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, seconds);

    public async ValueTask DisposeAsync()
    {
        await StopHubAsync(waitOffline: false);
        Control.Dispose();
        await Devices.DisposeAsync();
        await HomeBroker.DisposeAsync();
        await Server.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
