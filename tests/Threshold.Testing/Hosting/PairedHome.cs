using Microsoft.Extensions.Hosting;
using Threshold.Hub;
using Threshold.Hub.Pairing;
using Threshold.Simulator;

namespace Threshold.Testing;

/// <summary>How a <see cref="PairedHome"/> is set up; the defaults are a stock install's.</summary>
public sealed class PairedHomeOptions
{
    /// <summary>zigbee2mqtt's base topic; homes sharing one broker each need their own.</summary>
    public string BaseTopic { get; init; } = "zigbee2mqtt";

    /// <summary>The simulated motor's time (the simulator's own default unless given).</summary>
    public TimeSpan? ActuationDelay { get; init; }

    /// <summary>Whether the simulated devices retain their state, so a restarted hub learns the door at once.</summary>
    public bool RetainState { get; init; } = true;

    /// <summary>Whether the simulator serves its HTTP control surface (<see cref="PairedHome.Control"/>).</summary>
    public bool ControlSurface { get; init; }

    /// <summary>The hub's clock: share the server's fake clock so commands and timers agree (system clock unless given).</summary>
    public TimeProvider? HubClock { get; init; }

    /// <summary>Where the hub logs (nowhere unless given).</summary>
    public ILoggerProvider? Logs { get; init; }

    /// <summary>Changes to the hub's settings (short relock or resend times in tests); production defaults otherwise.</summary>
    public Action<HubSettings>? Configure { get; init; }

    /// <summary>The client the hub pairs with (a fresh one unless given: pairing is rate limited per client address).</summary>
    public HttpClient? PairingClient { get; init; }

    public string HubName { get; init; } = "test hub";

    /// <summary>Where the hub sends its pairing request (the server unless given: a proxy on the path).</summary>
    public Uri? PairVia { get; init; }

    /// <summary>The hub's data directory (under the server's unless given).</summary>
    public string? HubDirectory { get; init; }
}

/// <summary>
/// A home on the loopback: simulated zigbee2mqtt devices (lock, door contact, keypad) on a home broker, and a real
/// hub paired through the server's public API as <c>threshold-hub pair</c> does, run in this process. The one way
/// tests and benches put a hub and devices next to a <see cref="ServerHost"/>.
/// </summary>
public sealed class PairedHome : IAsyncDisposable
{
    private readonly ServerHost server;
    private readonly string ownerToken;
    private readonly PairedHomeOptions options;

    private PairedHome(ServerHost server, string ownerToken, SimulatedHome devices, HubSettings settings, PairedHomeOptions options)
    {
        (this.server, this.ownerToken, this.options) = (server, ownerToken, options);
        (Devices, HubSettings) = (devices, settings);
        Control = devices.ControlUrl is { } url ? new SimulatorControl(url) : null;
        devices.StateChanged += (_, _) => DevicesChanged.Pulse();
    }

    public required Guid HomeId { get; init; }

    public required Guid HubId { get; init; }

    public SimulatedHome Devices { get; }

    /// <summary>The same devices over the simulator's HTTP control surface (with <see cref="PairedHomeOptions.ControlSurface"/>).</summary>
    public SimulatorControl? Control { get; }

    /// <summary>Fires after the simulated devices' state changed (bolt, door, reachability, slots).</summary>
    public Signal DevicesChanged { get; } = new();

    public HubSettings HubSettings { get; }

    public string HubDirectory => HubSettings.DataDirectory;

    /// <summary>The running hub; null while stopped.</summary>
    public IHost? Hub { get; private set; }

    /// <summary>Starts the devices on <paramref name="homeBroker"/>, pairs a hub for the home with a fresh code and starts it.</summary>
    public static async Task<PairedHome> StartAsync(ServerHost server, string ownerToken, Guid homeId, LoopbackBroker homeBroker, PairedHomeOptions? options = null)
    {
        options ??= new PairedHomeOptions();
        var devices = await SimulatedHome.StartAsync(new SimulatorOptions
        {
            MqttPort = homeBroker.Port,
            BaseTopic = options.BaseTopic,
            ActuationDelay = options.ActuationDelay ?? new SimulatorOptions().ActuationDelay,
            RetainState = options.RetainState,
            ControlUrl = options.ControlSurface ? new Uri("http://127.0.0.1:0/") : null,
        });
        try
        {
            await devices.WaitUntilConnectedAsync();
            var hubDir = options.HubDirectory ?? Path.Combine(server.DataDir, "hub-" + homeId.ToString("N"));
            // As an owner pairs a hub: the pairing string from the app, so the answer must carry the server's own keys.
            var pairing = await server.PairingStringAsync(ownerToken, homeId);
            using var own = options.PairingClient is null ? new HttpClient() : null;
            var identity = await HubPairing.PairAsync(options.PairingClient ?? own!, (options.PairVia ?? server.BaseAddress).ToString(), pairing, options.HubName, hubDir, CancellationToken.None);
            var settings = new HubSettings
            {
                DataDirectory = hubDir,
                Zigbee = new ZigbeeSettings { Host = "127.0.0.1", Port = homeBroker.Port, BaseTopic = options.BaseTopic },
                // The loopback home broker is open on purpose; a home_broker_open alarm would join every test's activity.
                HomeBrokerCheck = new HomeBrokerCheckSettings { Enabled = false },
            };
            options.Configure?.Invoke(settings);
            var home = new PairedHome(server, ownerToken, devices, settings, options) { HomeId = homeId, HubId = identity.HubId };
            await home.StartHubAsync();
            return home;
        }
        catch
        {
            await devices.DisposeAsync();
            throw;
        }
    }

    public async Task StartHubAsync()
    {
        Hub = HubHost.Build(HubSettings, services =>
        {
            if (options.HubClock is { } clock)
            {
                services.AddSingleton(clock);
            }

            if (options.Logs is { } logs)
            {
                services.AddLogging(l => l.AddProvider(logs));
            }
        });
        await Hub.StartAsync();
    }

    public async Task StopHubAsync()
    {
        if (Hub is { } hub)
        {
            Hub = null;
            await hub.StopAsync();
            hub.Dispose();
        }
    }

    /// <summary>
    /// Waits until the server reports the hub online to the owner. A poll: the home view is served from the server's
    /// hub directory, which is refreshed after the change is committed and broadcast.
    /// </summary>
    public Task WaitOnlineAsync(TimeSpan? timeout = null) =>
        Eventually.UntilAsync(async () => (await server.GetHomeAsync(ownerToken, HomeId)).GetProperty("hubOnline").GetBoolean(), "hub online", timeout: timeout);

    public async ValueTask DisposeAsync()
    {
        await StopHubAsync();
        Control?.Dispose();
        await Devices.DisposeAsync();
    }
}
