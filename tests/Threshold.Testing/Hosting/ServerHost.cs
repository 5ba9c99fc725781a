using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Threshold.Server;
using Threshold.Server.Cli;
using Threshold.Server.Data;
using Threshold.Server.Hubs;

namespace Threshold.Testing;

/// <summary>How a <see cref="ServerHost"/> differs from a real install; everything else is the server as <c>Program</c> builds it.</summary>
public sealed class ServerHostOptions
{
    /// <summary>Configuration keys and values, as <c>--Key=value</c> on the command line would give them.</summary>
    public IDictionary<string, string>? Settings { get; init; }

    /// <summary>Hub commands go to an instant stand-in (true) or over the embedded broker to real hubs (false).</summary>
    public bool FakeHub { get; init; } = true;

    /// <summary>Real time (the benches); otherwise a fake clock the test moves, starting at <see cref="Start"/>.</summary>
    public bool SystemClock { get; init; }

    /// <summary>Where the fake clock starts (<see cref="ServerHost.Start"/> unless given).</summary>
    public DateTimeOffset? Start { get; init; }

    /// <summary>The lowest level <see cref="ServerHost.Logs"/> keeps.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Trace;

    /// <summary>Last changes to the composition before it is built (a bench's what-ifs, SQL tracing, a console logger).</summary>
    public Action<WebApplicationBuilder>? Configure { get; init; }

    /// <summary>The folder under the temp directory that holds the data directory.</summary>
    public string TempFolder { get; init; } = "threshold-tests";

    /// <summary>Whether the stand-in hub keeps every command it was sent (tests read them; a bench sends millions).</summary>
    public bool KeepHubCommands { get; init; } = true;

    /// <summary>
    /// The benches' server: real time, warnings only (on the console and in <see cref="ServerHost.Logs"/>, which hubs
    /// may share), no record of the stand-in hub's commands; <paramref name="configure"/> adds a bench's own changes.
    /// </summary>
    public static ServerHostOptions Measuring(string tempFolder, bool fakeHub, Action<WebApplicationBuilder>? configure = null) => new()
    {
        FakeHub = fakeHub,
        KeepHubCommands = false,
        SystemClock = true,
        LogLevel = LogLevel.Warning,
        Settings = new Dictionary<string, string> { ["Logging:LogLevel:Default"] = "Warning" },
        TempFolder = tempFolder,
        Configure = builder =>
        {
            builder.Logging.AddConsole();
            configure?.Invoke(builder);
        },
    };
}

/// <summary>
/// The real server in this process, composed as <c>Program</c> composes it (<c>ThresholdServer.CreateBuilder</c>,
/// <c>MapThreshold</c>, migrations, the server's own appsettings.json, Production): Kestrel on a free loopback port,
/// SQLite in a fresh temp directory, the embedded MQTT broker on free ports (plain for the server's client, TLS for hubs). Only the clock, the hub gateway (see
/// <see cref="ServerHostOptions"/>) and the host lifetime are swapped, and rate limits are raised. Driven through
/// the public API it inherits from <see cref="ThresholdApi"/>. Used by the server and demo tests and both benches.
/// </summary>
public sealed class ServerHost : ThresholdApi, IAsyncDisposable
{
    /// <summary>A Tuesday, 10:00 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private readonly List<string> args;
    private readonly ServerHostOptions options;
    private readonly FakeTimeProvider? clock;
    private readonly List<ActivityFeed> feeds = [];
    private WebApplication app;

    private ServerHost(WebApplication app, List<string> args, ServerHostOptions options, string dataDir, FakeTimeProvider? clock, TimeProvider time, FakeHubGateway hub, TestLog logs)
        : base(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), time)
    {
        this.app = app;
        this.args = args;
        this.options = options;
        this.clock = clock;
        DataDir = dataDir;
        Time = time;
        Hub = hub;
        Logs = logs;
    }

    public string DataDir { get; }

    /// <summary>The fake clock tests move (shared with hubs that should run on it).</summary>
    public FakeTimeProvider Clock => clock ?? throw new InvalidOperationException("This server runs on the system clock.");

    public TimeProvider Time { get; }

    internal FakeHubGateway Hub { get; }

    /// <summary>Every line the server logged (and hubs given this provider), at <see cref="ServerHostOptions.LogLevel"/> or above.</summary>
    public TestLog Logs { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>The embedded broker's port (the server's own MQTT account is in <see cref="HubBroker"/>).</summary>
    internal HubBroker Broker => app.Services.GetRequiredService<HubBroker>();

    public static Task<ServerHost> StartAsync(IDictionary<string, string>? settings = null, bool fakeHub = true, DateTimeOffset? start = null) =>
        StartAsync(new ServerHostOptions { Settings = settings, FakeHub = fakeHub, Start = start });

    public static async Task<ServerHost> StartAsync(ServerHostOptions options)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), options.TempFolder, Guid.NewGuid().ToString("N"));
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            // The server's appsettings.json is copied next to every project that references it.
            $"--contentRoot={AppContext.BaseDirectory}",
            $"--Threshold:DataDirectory={dataDir}",
            "--Threshold:Mqtt:Port=0",
            // MQTT over TLS as a real install has it, on loopback and a free port.
            "--Threshold:Mqtt:TlsHost=127.0.0.1",
            "--Threshold:Mqtt:TlsPort=0",
            "--Threshold:RateLimits:LoginPerMinute=100000",
            "--Threshold:RateLimits:RegisterPerHour=100000",
            "--Threshold:RateLimits:CourierPerMinute=1000000",
            "--Logging:LogLevel:Default=Information",
            // Tests move the fake clock by hours; a day-long token keeps callers signed in meanwhile.
            "--Threshold:Auth:AccessTokenLifetime=1.00:00:00",
        };
        args.AddRange((options.Settings ?? new Dictionary<string, string>()).Select(kv => $"--{kv.Key}={kv.Value}"));

        var clock = options.SystemClock ? null : new FakeTimeProvider(options.Start ?? Start);
        var time = (TimeProvider?)clock ?? TimeProvider.System;
        var hub = new FakeHubGateway { Record = options.KeepHubCommands };
        var logs = new TestLog(minimum: options.LogLevel);
        var app = await BuildAndStartAsync(args, options, time, hub, logs);
        return new ServerHost(app, args, options, dataDir, clock, time, hub, logs);
    }

    /// <summary>Stops the server and starts it again on the same data, HTTP port and MQTT port (a server restart).</summary>
    public async Task RestartAsync()
    {
        var mqttPort = Broker.Port;
        var tlsPort = Broker.TlsPort;
        ActivityFeed[] open;
        lock (feeds)
        {
            open = [.. feeds];
        }

        Array.ForEach(open, f => f.Pause());
        await app.StopAsync();
        await app.DisposeAsync();
        var restartArgs = new List<string>(args) { $"--urls={BaseAddress}", $"--Threshold:Mqtt:Port={mqttPort}" };
        if (tlsPort is { } port)
        {
            restartArgs.Add($"--Threshold:Mqtt:TlsPort={port}");
        }

        app = await BuildAndStartAsync(restartArgs, options, Time, Hub, Logs);
        Array.ForEach(open, f => f.Resume());
    }

    /// <summary>Follows a home's live activity as a member (see <see cref="ActivityFeed"/>); closed with the host.</summary>
    public async Task<ActivityFeed> FollowAsync(string token, Guid homeId)
    {
        var feed = await ActivityFeed.StartAsync(this, token, homeId);
        lock (feeds)
        {
            feeds.Add(feed);
        }

        return feed;
    }

    /// <summary>Registers a carrier through the operator command (<c>carrier create --name</c>), returning its one-time key.</summary>
    public async Task<(Guid Id, string Key)> CarrierAsync(string name = "Parcel Co")
    {
        using var output = new StringWriter();
        var exit = await OperatorCommands.RunAsync(["carrier", "create", "--name", name], () => Services, output);
        var lines = output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        Assert.True(exit == 0, "carrier create failed: " + output);
        string Field(string label) => lines.Single(l => l.StartsWith(label, StringComparison.Ordinal))[label.Length..].Trim();
        return (Guid.Parse(Field("carrier id:")), Field("api key:"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var feed in feeds)
        {
            await feed.DisposeAsync();
        }

        await app.StopAsync();
        await app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<WebApplication> BuildAndStartAsync(List<string> args, ServerHostOptions options, TimeProvider time, FakeHubGateway hub, TestLog logs)
    {
        var builder = ThresholdServer.CreateBuilder([.. args]);
        builder.Services.Replace(ServiceDescriptor.Singleton(time));
        if (options.FakeHub)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton<IHubGateway>(hub));
        }

        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, EmbeddedLifetime>());
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        options.Configure?.Invoke(builder);
        var app = builder.Build().MapThreshold();
        await app.Services.MigrateDatabaseAsync();
        await app.StartAsync();
        if (!options.FakeHub)
        {
            // Hubs that pair and connect next find the server already subscribed to their topics.
            await app.Services.GetRequiredService<HubLink>().Connected.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return app;
    }
}
