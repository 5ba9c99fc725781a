using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Threshold.Protocol.Access;
using Threshold.Server;
using Threshold.Server.Data;
using Threshold.Server.Hubs;

namespace Threshold.Server.Tests.Support;

/// <summary>
/// The real server on Kestrel (loopback, random port) with a real SQLite file in a temp directory.
/// Only the clock and the hub sit behind test seams.
/// </summary>
public sealed class ServerHost : IAsyncDisposable
{
    /// <summary>A Tuesday, 10:00 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private readonly List<string> args;
    private readonly bool fakeHub;
    private WebApplication app;

    private ServerHost(WebApplication app, List<string> args, bool fakeHub, string dataDir, FakeTimeProvider clock, FakeHubGateway hub, LogSink logs)
    {
        this.app = app;
        this.args = args;
        this.fakeHub = fakeHub;
        DataDir = dataDir;
        Clock = clock;
        Hub = hub;
        Logs = logs;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    public Uri BaseAddress { get; }
    public string DataDir { get; }
    public FakeTimeProvider Clock { get; }
    internal FakeHubGateway Hub { get; }
    internal LogSink Logs { get; }
    public IServiceProvider Services => app.Services;

    public static async Task<ServerHost> StartAsync(IDictionary<string, string>? settings = null, bool fakeHub = true, DateTimeOffset? start = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "threshold-tests", Guid.NewGuid().ToString("N"));
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--Threshold:DataDirectory={dataDir}",
            "--Threshold:RateLimits:LoginPerMinute=10000",
            "--Threshold:Mqtt:Port=0",
            "--Threshold:RateLimits:CourierPerMinute=10000",
            "--Threshold:RateLimits:RegisterPerHour=10000",
            "--Logging:LogLevel:Default=Information",
            // Tests move the fake clock by hours; a day-long token keeps callers signed in meanwhile.
            "--Threshold:Auth:AccessTokenLifetime=1.00:00:00",
        };
        args.AddRange((settings ?? new Dictionary<string, string>()).Select(kv => $"--{kv.Key}={kv.Value}"));

        var clock = new FakeTimeProvider(start ?? Start);
        var hub = new FakeHubGateway();
        var logs = new LogSink();
        var app = await BuildAndStartAsync(args, fakeHub, clock, hub, logs);
        return new ServerHost(app, args, fakeHub, dataDir, clock, hub, logs);
    }

    /// <summary>Stops the server and starts it again on the same data, HTTP port and MQTT port (a server restart).</summary>
    public async Task RestartAsync()
    {
        var mqttPort = app.Services.GetRequiredService<HubBroker>().Port;
        await app.StopAsync();
        await app.DisposeAsync();
        var restartArgs = new List<string>(args) { $"--urls={BaseAddress}", $"--Threshold:Mqtt:Port={mqttPort}" };
        app = await BuildAndStartAsync(restartArgs, fakeHub, Clock, Hub, Logs);
    }

    private static async Task<WebApplication> BuildAndStartAsync(List<string> args, bool fakeHub, FakeTimeProvider clock, FakeHubGateway hub, LogSink logs)
    {
        var builder = ThresholdServer.CreateBuilder([.. args]);
        builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        if (fakeHub)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton<IHubGateway>(hub));
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        var app = builder.Build().MapThreshold();
        await app.Services.MigrateDatabaseAsync();
        await app.StartAsync();
        return app;
    }

    public HttpClient Client(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        return client;
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

/// <summary>Stands in for the hub until the MQTT hub lands: per-home liveness and a command log.</summary>
internal sealed class FakeHubGateway : IHubGateway
{
    public ConcurrentDictionary<Guid, HubStatus> Status { get; } = new();
    public ConcurrentQueue<(Guid HomeId, Guid LockId, LockAction Action, string Reference)> Commands { get; } = new();
    public HubCommandResult NextResult { get; set; } = HubCommandResult.Done;

    public Task<HubStatus> GetStatusAsync(Guid homeId, CancellationToken ct) =>
        Task.FromResult(Status.GetValueOrDefault(homeId, new HubStatus(true, true)));

    public Task<HubCommandResult> SendAsync(Guid homeId, Guid lockId, LockAction action, AccessReference reference, CancellationToken ct)
    {
        Commands.Enqueue((homeId, lockId, action, reference.ToString()));
        return Task.FromResult(NextResult);
    }
}

/// <summary>Keeps every log line so tests can assert that no secret was ever written.</summary>
internal sealed class LogSink : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Sink(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Sink(LogSink owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
