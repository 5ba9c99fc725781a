using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Threshold.Demo.HomeNetwork;
using Threshold.Demo.Household;
using Threshold.Server;
using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Simulator;

namespace Threshold.Demo;

/// <summary>
/// The demo: the server with its embedded broker, a second broker for the home network (closed: a user per client,
/// HomeNetwork/HomeNetworkBroker.cs), simulated zigbee2mqtt devices, an in-process hub paired through the real pairing
/// API, and a demo household.
/// </summary>
internal sealed partial class DemoHost : IAsyncDisposable
{
    private readonly WebApplication server;
    private bool serverRunning;
    private HomeNetworkBroker? homeBroker;
    private SimulatedHome? devices;
    private IHost? hub;

    private DemoHost(WebApplication server) => this.server = server;

    public IServiceProvider Services => server.Services;

    public string ServerUrl { get; private set; } = "";

    /// <summary>The <c>demo.json</c> this start wrote.</summary>
    public string DemoPath { get; private set; } = "";

    public DemoFile Demo { get; private set; } = null!;

    /// <summary>Runs the demo until Ctrl+C (or SIGTERM) and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        await using var demo = await StartAsync(args);
        // Printed for the person at the terminal, deliberately not logged: logs get shipped, credentials must not.
        await Console.Out.WriteLineAsync($"Threshold demo is ready. Credentials ({demo.DemoPath}):\n" +
            JsonSerializer.Serialize(demo.Demo, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        LogReady(demo.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Threshold.Demo"), demo.DemoPath);
        await demo.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>
    /// Starts every part and writes <c>demo.json</c>. <paramref name="configure"/> lets tests adjust the server
    /// (its logging); whatever it changes, the parts are the ones <see cref="RunAsync"/> starts.
    /// </summary>
    public static async Task<DemoHost> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = ThresholdServer.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DemoOptions.DefaultServerUrl);
        }

        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();
        var demo = new DemoHost(builder.Build().MapThreshold());
        try
        {
            await demo.StartPartsAsync(options);
            return demo;
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(DemoOptions options)
    {
        var stopping = server.Lifetime.ApplicationStopping;
        await server.Services.MigrateDatabaseAsync();
        await server.StartAsync();
        serverRunning = true;
        var logs = server.Services.GetRequiredService<ILoggerFactory>();
        ServerUrl = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var dataDir = server.Services.GetRequiredService<DataDirectory>().Path;
        var accounts = HomeBrokerAccounts.LoadOrCreate(dataDir);
        homeBroker = await HomeNetworkBroker.StartAsync(options.HomeBrokerPort, accounts, logs.CreateLogger("Threshold.Demo.HomeNetwork"));
        devices = await SimulatedHome.StartAsync(
            new SimulatorOptions
            {
                MqttPort = homeBroker.Port,
                MqttUsername = accounts.Zigbee2Mqtt.Username,
                MqttPassword = accounts.Zigbee2Mqtt.Password,
                ControlUrl = new Uri(options.SimulatorControl),
            },
            TimeProvider.System,
            logs);
        await devices.WaitUntilConnectedAsync(stopping);

        DemoPath = Path.Combine(dataDir, "demo.json");
        var broker = server.Services.GetRequiredService<HubBroker>();
        await using (var scope = server.Services.CreateAsyncScope())
        {
            Demo = await ActivatorUtilities.CreateInstance<DemoSeeder>(scope.ServiceProvider).SeedAsync(
                DemoFile.Read(DemoPath), ServerUrl, new DemoBroker("127.0.0.1", broker.Port), new DemoSimulator(devices.ControlUrl!.ToString().TrimEnd('/')),
                stopping);
        }

        var hubDir = Path.Combine(dataDir, "demo-hub");
        await DemoHub.EnsurePairedAsync(server.Services, Demo, ServerUrl, hubDir, stopping);
        hub = DemoHub.Build(hubDir, homeBroker.Port, accounts.Hub, logs);
        await hub.StartAsync(stopping);
        Demo.Write(DemoPath);
    }

    /// <summary>Returns once Ctrl+C or SIGTERM has stopped the server.</summary>
    private async Task WaitForShutdownAsync()
    {
        await server.WaitForShutdownAsync();
        serverRunning = false;
    }

    /// <summary>Stops the server first (no new requests reach the door), then the hub, the devices and the home broker.</summary>
    public async ValueTask DisposeAsync()
    {
        if (serverRunning)
        {
            serverRunning = false;
            await server.StopAsync();
        }

        if (hub is not null)
        {
            await hub.StopAsync(CancellationToken.None);
            hub.Dispose();
        }

        if (devices is not null)
        {
            await devices.DisposeAsync();
        }

        if (homeBroker is not null)
        {
            await homeBroker.DisposeAsync();
        }

        await server.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo ready; credentials written to {Path}")]
    private static partial void LogReady(ILogger logger, string path);
}
