using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Threshold.Server;
using Threshold.Server.Data;
using Threshold.Server.Hubs;

namespace Threshold.Bench;

/// <summary>
/// The real server, composed exactly as Program does it (Kestrel on loopback, SQLite file in a temp
/// data directory, Production environment), except that the hub gateway is an instant stand-in.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private BenchServer(WebApplication app, string dataDir)
    {
        this.app = app;
        DataDir = dataDir;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    public Uri BaseAddress { get; }
    public string DataDir { get; }
    public IServiceProvider Services => app.Services;

    public static async Task<BenchServer> StartAsync(Action<WebApplicationBuilder>? customise = null, params string[] extraArgs)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "threshold-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            $"--contentRoot={dataDir}",
            $"--Threshold:DataDirectory={dataDir}",
            "--Threshold:RateLimits:LoginPerMinute=100000",
            "--Threshold:RateLimits:RegisterPerHour=100000",
            "--Threshold:RateLimits:CourierPerMinute=1000000",
            "--Threshold:Auth:AccessTokenLifetime=1.00:00:00",
            // The embedded MQTT broker still starts (it is part of the server), on a free port; no hub pairs with it.
            "--Threshold:Mqtt:Port=0",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ];

        var builder = ThresholdServer.CreateBuilder(args);
        builder.Services.Replace(ServiceDescriptor.Singleton<IHubGateway, InstantHubGateway>());
        // The bench owns the process: Ctrl+C should end it, not just stop the server under a running load.
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, NoSignalLifetime>());
        customise?.Invoke(builder);
        var app = builder.Build().MapThreshold();
        await app.Services.MigrateDatabaseAsync();
        await app.StartAsync();
        return new BenchServer(app, dataDir);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Stand-in for <c>MqttHubGateway</c> and a paired hub: always online with a live camera, and every
/// command confirmed at once. The measured rate therefore excludes the MQTT round trip to the hub
/// (signing the command, the hub's verification and actuation, and its reply).
/// </summary>
internal sealed class InstantHubGateway : IHubGateway
{
    private static readonly Task<HubStatus> Online = Task.FromResult(new HubStatus(Online: true, CameraLive: true));
    private static readonly Task<HubCommandResult> Confirmed = Task.FromResult(HubCommandResult.Done);

    public Task<HubStatus> GetStatusAsync(Guid homeId, CancellationToken ct) => Online;

    public Task<HubCommandResult> SendAsync(Guid homeId, Guid lockId, LockAction action, Threshold.Protocol.Access.AccessReference reference, CancellationToken ct) =>
        Confirmed;
}

/// <summary>Leaves SIGINT/SIGTERM to the runtime's default (end the process) instead of a graceful host stop.</summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
