using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Threshold.Hub;
using Threshold.Server.Data;
using Threshold.Server.Tests.Support;
using Threshold.Simulator;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// The whole system on loopback: the server with its embedded broker, a home broker, the simulated
/// zigbee2mqtt lock and contact sensor, and a real hub paired through the API (<see cref="PairedHome"/>).
/// Server and hub share the fake clock (commands carry its time; relock timers run on it).
/// </summary>
internal sealed class Stack : IAsyncDisposable
{
    private readonly PairedHome home;

    private Stack(ServerHost server, LoopbackBroker homeBroker, PairedHome home, World world, ActivityFeed activity)
    {
        Server = server;
        HomeBroker = homeBroker;
        this.home = home;
        World = world;
        Activity = activity;
        Changes = Signal.Any(activity.Changed, home.DevicesChanged);
    }

    public ServerHost Server { get; }
    public LoopbackBroker HomeBroker { get; }
    public SimulatedHome Devices => home.Devices;

    /// <summary>The same devices over the simulator's HTTP control surface.</summary>
    public SimulatorControl Control => home.Control!;
    public World World { get; }
    public string HubDir => home.HubDirectory;
    public IHost? Hub => home.Hub;

    /// <summary>The owner's live feed of the home (SSE, <c>/events/stream</c>).</summary>
    public ActivityFeed Activity { get; }

    /// <summary>Fires after the server committed activity for the home (its audit feed) or the simulated devices changed.</summary>
    public Signal Changes { get; }

    public static async Task<Stack> StartAsync(IDictionary<string, string>? serverSettings = null, DateTimeOffset? start = null)
    {
        var settings = new Dictionary<string, string>(serverSettings ?? new Dictionary<string, string>()) { ["Threshold:Mqtt:CommandTimeout"] = "00:00:05" };
        var server = await ServerHost.StartAsync(settings, fakeHub: false, start);
        var world = await World.CreateAsync(server, cameraRequired: false);
        var homeBroker = await LoopbackBroker.StartAsync();
        var home = await PairedHome.StartAsync(server, world.OwnerToken, world.HomeId, homeBroker, new PairedHomeOptions
        {
            ActuationDelay = TimeSpan.FromMilliseconds(5),
            ControlSurface = true,
            HubClock = server.Clock,
            Logs = server.Logs,
            HubDirectory = Path.Combine(server.DataDir, "hub"),
            Configure = hub =>
            {
                hub.Relock = new RelockSettings { AfterCloseSeconds = 5, MaxUnlockedSeconds = 30, DoorHeldOpenSeconds = 60 };
                hub.BatchResendSeconds = 1;
                hub.ReconnectMaxSeconds = 1;
            },
        });
        var stack = new Stack(server, homeBroker, home, world, await server.FollowAsync(world.OwnerToken, world.HomeId));
        await home.WaitOnlineAsync();
        return stack;
    }

    public async Task StartHubAsync()
    {
        await home.StartHubAsync();
        await home.WaitOnlineAsync();
    }

    /// <summary>Starts the hub without waiting for it to come online (it may be meant not to).</summary>
    public Task StartHubOnlyAsync() => home.StartHubAsync();

    public async Task StopHubAsync()
    {
        await home.StopHubAsync();
        // Until the server has seen the hub's "offline", it still reports the old session as online, and a
        // restart could pass its "hub online" wait before the new session has subscribed to its commands.
        // Read from the database: a test may have moved the clock past the owner's token.
        await Eventually.UntilAsync(async () =>
        {
            await using var scope = Server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            return !await db.Hubs.AsNoTracking().AnyAsync(h => h.HomeId == World.HomeId && h.Online);
        }, "hub offline", Changes);
    }

    public Task<JsonElement> HomeAsync() => Server.GetHomeAsync(World.OwnerToken, World.HomeId);

    public Task<string?> DeliveryStatusAsync(Guid deliveryId) => Server.DeliveryStatusAsync(World.CarrierKey, deliveryId);

    /// <summary>The home's audit trail through the owner's export, each line parsed.</summary>
    public Task<List<AuditLine>> AuditAsync() => Server.AuditAsync(World.OwnerToken, World.HomeId);

    public async Task<(Guid Id, string Barcode)> ArrivedDeliveryAsync()
    {
        var id = await Server.DeliveryAsync(World.CarrierKey, World.HomeAccessId, World.CourierId);
        await (await Server.ArriveAsync(World.CourierToken, id)).JsonAsync(System.Net.HttpStatusCode.OK);
        return (id, "PKG-1");
    }

    public async ValueTask DisposeAsync()
    {
        await home.DisposeAsync();
        await HomeBroker.DisposeAsync();
        await Server.DisposeAsync();
    }
}
