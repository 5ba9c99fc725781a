using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Threshold.Hub.Locks;
using Threshold.Hub.Outbox;
using Threshold.Hub.Storage;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Xunit.Abstractions;

namespace Threshold.Hub.Tests.Support;

/// <summary>
/// A paired hub (identity written straight into a temp data dir) between two real loopback brokers: the
/// server broker with a <see cref="FakeServer"/>, and the home broker with a <see cref="FakeZigbee"/>.
/// </summary>
public sealed class HubHarness : IAsyncDisposable
{
    public const string Issuer = "threshold-server";

    private readonly ITestOutputHelper? output;
    private readonly ECDsa hubKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private HubHarness(ITestOutputHelper? output) => this.output = output;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    public TestBroker ServerBroker { get; private set; } = null!;

    public TestBroker HomeBroker { get; private set; } = null!;

    public FakeZigbee Zigbee { get; private set; } = null!;

    public FakeServer Server { get; private set; } = null!;

    public ECDsa ServerKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string Kid => KeyEncoding.KeyId(ServerKey);

    public CommandSigner Signer => new(ServerKey, Kid, Issuer, Time);

    public Guid HubGuid { get; } = Guid.NewGuid();

    public string HubId => HubGuid.ToString();

    public string LockId { get; } = Guid.NewGuid().ToString();

    public string TopicPrefix => $"thr/v1/hubs/{HubGuid:N}/";

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "thr-hub-" + Guid.NewGuid().ToString("N"));

    public HubSettings Settings { get; private set; } = new();

    public IHost? Hub { get; private set; }

    internal LockController Controller => Hub!.Services.GetRequiredService<LockController>();

    public static async Task<HubHarness> StartAsync(
        ITestOutputHelper? output = null, Action<HubSettings>? configure = null, string lockState = "locked", bool doorClosed = true)
    {
        var harness = new HubHarness(output);
        await harness.InitAsync(configure, lockState, doorClosed);
        await harness.StartHubAsync();
        return harness;
    }

    private async Task InitAsync(Action<HubSettings>? configure, string lockState, bool doorClosed)
    {
        ServerBroker = await TestBroker.StartAsync();
        HomeBroker = await TestBroker.StartAsync();
        Zigbee = await FakeZigbee.StartAsync(HomeBroker.Port, lockState, doorClosed);
        var identity = new HubIdentity(
            HubId,
            Guid.NewGuid().ToString(),
            [new PairedLock(LockId, "Front door")],
            "Europe/Berlin",
            Issuer,
            [new ServerKey(Kid, KeyEncoding.ExportPublicSpki(ServerKey))],
            new HubMqttSettings("127.0.0.1", ServerBroker.Port, $"hub-{HubGuid:N}", "secret-" + Guid.NewGuid(), TopicPrefix));
        using var sealing = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        HubDataDirectory.Save(DataDirectory, identity, hubKey, sealing);
        var publicKey = KeyEncoding.ImportEcdsaPublicSpki(KeyEncoding.ExportPublicSpki(hubKey));
        Server = new FakeServer(ServerBroker.Port, HubId, TopicPrefix, publicKey);
        await Server.ConnectAsync();
        Settings = new HubSettings
        {
            DataDirectory = DataDirectory,
            Zigbee = new ZigbeeSettings { Host = "127.0.0.1", Port = HomeBroker.Port },
            CommandTimeoutSeconds = 2,
            BatchResendSeconds = 2,
            ReconnectMaxSeconds = 1,
        };
        configure?.Invoke(Settings);
    }

    public async Task StartHubAsync(bool waitForLock = true)
    {
        var statesBefore = Server.States.Count;
        Hub = HubHost.Build(Settings, services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            if (output is not null)
            {
                services.AddLogging(b => b.AddProvider(new TestOutputLoggerProvider(output)).SetMinimumLevel(LogLevel.Debug));
            }
        });
        await Hub.StartAsync();
        await Wait.UntilAsync(() => Server.States.Skip(statesBefore).Any(s => s.Contains("\"online\":true", StringComparison.Ordinal)), "hub online state");
        if (waitForLock)
        {
            await Wait.UntilAsync(() => Controller.Snapshot.Bolt != Bolt.Unknown && Controller.Snapshot.Door != Door.Unknown, "lock and door state known");
        }
    }

    public async Task StopHubAsync()
    {
        if (Hub is not null)
        {
            await Hub.StopAsync();
            Hub.Dispose();
            Hub = null;
        }
    }

    public string Sign(string command = "unlock", string? jti = null, TimeSpan? lifetime = null, string? deviceId = null, string? audience = null,
        IReadOnlyDictionary<string, string>? args = null) =>
        Signer.Sign(audience ?? HubId, deviceId ?? LockId, command, args ?? new Dictionary<string, string> { ["reference"] = "delivery:42" }, lifetime, jti);

    public async Task<Reply> CommandAsync(string command = "unlock", string? jti = null)
    {
        jti ??= Guid.NewGuid().ToString("N");
        await Server.SendCommandAsync(Sign(command, jti));
        return await Server.WaitReplyAsync(jti);
    }

    /// <summary>Waits until the controller has processed every message posted so far plus the given condition.</summary>
    internal Task UntilAsync(Func<LockSnapshot, bool> condition, string what) => Wait.UntilAsync(() => condition(Controller.Snapshot), what);

    public (long Outbox, long Batches) OutboxCounts()
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory, HubDataDirectory.DatabaseFile)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM batches)";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public async ValueTask DisposeAsync()
    {
        await StopHubAsync();
        await Server.DisposeAsync();
        await Zigbee.DisposeAsync();
        await ServerBroker.DisposeAsync();
        await HomeBroker.DisposeAsync();
        hubKey.Dispose();
        ServerKey.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(output, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test already finished.
            }
        }
    }
}
