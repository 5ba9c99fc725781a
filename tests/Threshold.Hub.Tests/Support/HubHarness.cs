using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Hub.Door;
using Threshold.Hub.Keypad;
using Threshold.Hub.Zigbee;
using Threshold.Hub.Outbox;
using Threshold.Hub.Storage;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Credentials;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Pairing;
using Threshold.Protocol.Sealing;
using Threshold.Protocol.Topics;
using Threshold.Simulator;
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

    private HubHarness(ITestOutputHelper? output, DateTimeOffset? start)
    {
        this.output = output;
        Time = new FakeTimeProvider(start ?? new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The simulated zigbee2mqtt home (PIN slots, keypad) when started with <c>simulator: true</c>; else null.</summary>
    public SimulatedHome? Home { get; private set; }

    /// <summary>Every hub log line (to check that no code is ever logged).</summary>
    public ConcurrentQueue<string> Logs { get; } = new();

    /// <summary>Fires after the simulated devices' state changed (with <c>simulator: true</c>).</summary>
    public Signal DevicesChanged { get; } = new();

    public LoopbackBroker ServerBroker { get; private set; } = null!;

    public LoopbackBroker HomeBroker { get; private set; } = null!;

    public FakeZigbee Zigbee { get; private set; } = null!;

    public FakeServer Server { get; private set; } = null!;

    public ECDsa ServerKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string Kid => KeyEncoding.KeyId(ServerKey);

    public CommandSigner Signer => new(ServerKey, Kid, Issuer, Time);

    public Guid HubGuid { get; } = Guid.NewGuid();

    public string HubId => HubIds.ToWire(HubGuid);

    public Guid LockGuid { get; } = Guid.NewGuid();

    public string LockId => LockGuid.ToString("D");

    public string TopicPrefix => HubTopics.Prefix(HubGuid);

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "thr-hub-" + Guid.NewGuid().ToString("N"));

    public HubSettings Settings { get; private set; } = new();

    public IHost? Hub { get; private set; }

    internal DoorController Controller => Hub!.Services.GetRequiredService<DoorController>();

    internal KeypadLoop Slots => Hub!.Services.GetRequiredService<KeypadLoop>();

    public static async Task<HubHarness> StartAsync(
        ITestOutputHelper? output = null, Action<HubSettings>? configure = null, string lockState = "locked", bool doorClosed = true,
        bool simulator = false, DateTimeOffset? start = null, Func<HubHarness, Task>? beforeHub = null)
    {
        var harness = new HubHarness(output, start);
        await harness.InitAsync(configure, lockState, doorClosed, simulator);
        if (beforeHub is not null)
        {
            await beforeHub(harness);
        }

        await harness.StartHubAsync();
        return harness;
    }

    private async Task InitAsync(Action<HubSettings>? configure, string lockState, bool doorClosed, bool simulator)
    {
        ServerBroker = await LoopbackBroker.StartAsync();
        HomeBroker = await LoopbackBroker.StartAsync();
        if (simulator)
        {
            Home = await SimulatedHome.StartAsync(
                new SimulatorOptions
                {
                    MqttPort = HomeBroker.Port,
                    InitiallyLocked = lockState == "locked",
                    InitiallyClosed = doorClosed,
                    // Retained state, so the hub learns the door at start-up (and must not replay a retained keypad action).
                    RetainState = true,
                },
                TimeProvider.System,
                NullLoggerFactory.Instance);
            Home.StateChanged += (_, _) => DevicesChanged.Pulse();
            await Home.WaitUntilConnectedAsync();
        }
        else
        {
            Zigbee = await FakeZigbee.StartAsync(HomeBroker.Port, lockState, doorClosed);
        }

        var identity = new PairingResponse(
            HubGuid,
            Guid.NewGuid(),
            [new PairedLock(LockGuid, "Front door")],
            "Europe/Berlin",
            Issuer,
            [new Protocol.Pairing.ServerKey(Kid, KeyEncoding.ExportPublicSpki(ServerKey))],
            new PairingMqtt("127.0.0.1", ServerBroker.Port, HubIds.MqttUser(HubGuid), "secret-" + Guid.NewGuid(), TopicPrefix));
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
            // The loopback home broker is open on purpose; the check has its own tests (HomeBrokerCheckTests) and would
            // put a home_broker_open alarm among every other test's events.
            HomeBrokerCheck = new HomeBrokerCheckSettings { Enabled = false },
        };
        configure?.Invoke(Settings);
    }

    public async Task StartHubAsync(bool waitForLock = true)
    {
        var statesBefore = Server.States.Count;
        Hub = HubHost.Build(Settings, services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            services.AddLogging(b => b.AddProvider(new TestLog(output, Logs)).SetMinimumLevel(LogLevel.Debug));
        });
        await Hub.StartAsync();
        await Eventually.UntilAsync(() => Server.States.Skip(statesBefore).Any(s => s.Contains("\"online\":true", StringComparison.Ordinal)), "hub online state", Server.Changed);
        if (waitForLock)
        {
            await Eventually.UntilAsync(() => Controller.Snapshot.Bolt != Bolt.Unknown && Controller.Snapshot.Door != DoorState.Unknown, "lock and door state known");
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
    internal Task UntilAsync(Func<DoorSnapshot, bool> condition, string what) => Eventually.UntilAsync(() => condition(Controller.Snapshot), what);

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

    /// <summary>The hub's sealing public key, as the server got it at pairing.</summary>
    public ECDiffieHellman SealingPublicKey()
    {
        using var key = HubDataDirectory.LoadSealingKey(DataDirectory);
        return KeyEncoding.ImportEcdhPublicSpki(KeyEncoding.ExportPublicSpki(key));
    }

    /// <summary>Seals a credential set as the server does (docs/hub-protocol.md) and signs the sync_credentials command.</summary>
    public string SignSync(CredentialSetDocument set, string? version = null, string? jti = null, ECDiffieHellman? sealTo = null, string? adVersion = null) =>
        SignSync(CredentialSetJson.Write(set), version ?? set.Version.ToString(CultureInfo.InvariantCulture), jti, sealTo, adVersion);

    /// <summary>The same for a plaintext the contract may refuse (a spoiled set).</summary>
    public string SignSync(JsonObject plaintext, string? version = null, string? jti = null, ECDiffieHellman? sealTo = null, string? adVersion = null) =>
        SignSync(Encoding.UTF8.GetBytes(plaintext.ToJsonString()), version ?? plaintext["version"]!.ToString(), jti, sealTo, adVersion);

    public Task<Reply> SyncAsync(CredentialSetDocument set, string? version = null, ECDiffieHellman? sealTo = null, string? adVersion = null) =>
        SyncAsync(jti => SignSync(set, version, jti, sealTo, adVersion));

    public Task<Reply> SyncAsync(JsonObject plaintext, string? version = null, ECDiffieHellman? sealTo = null, string? adVersion = null) =>
        SyncAsync(jti => SignSync(plaintext, version, jti, sealTo, adVersion));

    private string SignSync(byte[] plaintext, string version, string? jti, ECDiffieHellman? sealTo, string? adVersion)
    {
        using var own = sealTo is null ? SealingPublicKey() : null;
        var ad = SealBindings.CredentialSet(HubGuid, long.Parse(adVersion ?? version, CultureInfo.InvariantCulture));
        var sealedSet = Sealer.Seal(sealTo ?? own!, plaintext, ad);
        return Sign("sync_credentials", jti, args: new Dictionary<string, string> { ["version"] = version, ["set"] = sealedSet });
    }

    private async Task<Reply> SyncAsync(Func<string, string> sign)
    {
        var jti = Guid.NewGuid().ToString("N");
        await Server.SendCommandAsync(sign(jti));
        return await Server.WaitReplyAsync(jti);
    }

    public async Task<Reply> UnlockAsync(string reference)
    {
        var jti = Guid.NewGuid().ToString("N");
        await Server.SendCommandAsync(Sign("unlock", jti, args: new Dictionary<string, string> { ["reference"] = reference }));
        return await Server.WaitReplyAsync(jti);
    }

    /// <summary>Slot number → enabled, as the simulated lock holds them.</summary>
    public Dictionary<int, bool> LockSlots() => Home!.GetState().Slots.ToDictionary(s => s.User, s => s.Enabled);

    public Task UntilLockSlotsAsync(Func<Dictionary<int, bool>, bool> condition, string what) => Eventually.UntilAsync(() => condition(LockSlots()), what, DevicesChanged);

    /// <summary>Advances the hub clock and waits until the slot manager evaluated at the new time (its tick is 1 s).</summary>
    public async Task AdvanceAsync(TimeSpan delta)
    {
        Time.Advance(delta);
        var now = Time.GetUtcNow();
        await Eventually.UntilAsync(() => Slots.Snapshot.EvaluatedAt >= now, "slot manager evaluated at " + now.ToString("O", CultureInfo.InvariantCulture));
    }

    /// <summary>Sends raw /set payloads to the lock, as if someone programmed it behind the hub's back.</summary>
    public Task SendToLockAsync(params string[] payloads) => PublishAsOtherClientAsync($"{FakeZigbee.Base}/{FakeZigbee.LockName}/set", payloads);

    /// <summary>Publishes as another client on the (open) home broker: an installer, or anyone else on the home network.</summary>
    public async Task PublishAsOtherClientAsync(string topic, params string[] payloads)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", HomeBroker.Port).WithClientId("other-" + Guid.NewGuid().ToString("N")[..8]).Build());
        foreach (var payload in payloads)
        {
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(Encoding.UTF8.GetBytes(payload))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
        }

        await client.DisconnectAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopHubAsync();
        await Server.DisposeAsync();
        if (Zigbee is not null)
        {
            await Zigbee.DisposeAsync();
        }

        if (Home is not null)
        {
            await Home.DisposeAsync();
        }

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
