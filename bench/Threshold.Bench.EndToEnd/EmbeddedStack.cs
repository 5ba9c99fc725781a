using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Threshold.Demo.HomeNetwork;
using Threshold.Server;
using Threshold.Server.Data;
using Threshold.Server.Hubs;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// The server composed as Program does it (Kestrel on loopback, SQLite in a temp data directory, the embedded
/// MQTT broker, the real <c>MqttHubGateway</c>) plus one home broker that every simulated home shares.
/// </summary>
internal sealed class EmbeddedStack : IAsyncDisposable
{
    private readonly WebApplication app;

    private EmbeddedStack(WebApplication app, HomeNetworkBroker homeBroker, string dataDir, LogCounter logs)
    {
        this.app = app;
        HomeBroker = homeBroker;
        DataDir = dataDir;
        Logs = logs;
        BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Broker = app.Services.GetRequiredService<HubBroker>();
    }

    public Uri BaseAddress { get; }
    public string DataDir { get; }
    public HomeNetworkBroker HomeBroker { get; }
    public HubBroker Broker { get; }
    public LogCounter Logs { get; }
    public IServiceProvider Services => app.Services;

    /// <summary>Starts the stack; the what-ifs (see <see cref="WhatIf"/>) change the server's database access, never by default.</summary>
    public static async Task<EmbeddedStack> StartAsync(int? busyTimeoutMs, bool writerGate)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "threshold-bench-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            $"--contentRoot={dataDir}",
            $"--Threshold:DataDirectory={dataDir}",
            "--Threshold:Mqtt:Port=0",
            "--Threshold:RateLimits:LoginPerMinute=100000",
            "--Threshold:RateLimits:RegisterPerHour=100000",
            "--Threshold:RateLimits:CourierPerMinute=1000000",
            "--Threshold:Auth:AccessTokenLifetime=1.00:00:00",
            "--Logging:LogLevel:Default=Warning",
        ];
        var logs = new LogCounter();
        var builder = ThresholdServer.CreateBuilder(args);
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, NoSignalLifetime>());
        builder.Logging.AddProvider(logs);
        if (busyTimeoutMs is { } ms)
        {
            builder.Services.ConfigureDbContext<ThresholdDbContext>(o => o.AddInterceptors(new WhatIf.BusyTimeout(ms)));
        }

        if (writerGate)
        {
            builder.Services.ConfigureDbContext<ThresholdDbContext>(o => o.AddInterceptors(WhatIf.WriterGate.Instance));
        }

        var app = builder.Build().MapThreshold();
        await app.Services.MigrateDatabaseAsync();
        await app.StartAsync();
        await app.Services.GetRequiredService<HubLink>().Connected.WaitAsync(TimeSpan.FromSeconds(30));
        var homeBroker = await HomeNetworkBroker.StartAsync(FreePort());
        return new EmbeddedStack(app, homeBroker, dataDir, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await HomeBroker.DisposeAsync();
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Counts warnings and errors from the server and every hub, keeping the first few to show.</summary>
internal sealed class LogCounter : ILoggerProvider
{
    private int count;

    public ConcurrentQueue<string> First { get; } = new();

    public int Count => Volatile.Read(ref count);

    public ILogger CreateLogger(string categoryName) => new Sink(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Sink(LogCounter owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && Interlocked.Increment(ref owner.count) <= 10)
            {
                owner.First.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
            }
        }
    }
}

/// <summary>Ctrl+C ends the process instead of stopping the server under a running load.</summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
