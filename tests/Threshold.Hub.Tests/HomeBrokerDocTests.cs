using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Threshold.Hub.HomeBroker;
using Threshold.Hub.Tests.Support;

namespace Threshold.Hub.Tests;

/// <summary>docs/home-broker.md's mosquitto configuration, run: each user has exactly its rights, and the hub's check agrees.</summary>
public sealed class HomeBrokerDocTests
{
    private const string Zigbee = "zigbee2mqtt";
    private const string HubUser = "threshold-hub";
    private const string LockSet = "zigbee2mqtt/front_door_lock/set";
    private const string Unlock = """{"state":"UNLOCK"}""";
    private readonly Dictionary<string, string> users = new() { [Zigbee] = Secret(), [HubUser] = Secret() };

    [SkippableFact]
    public async Task DocumentedMosquitto_AnonymousAndWrongUsersRefused()
    {
        HomeMosquitto.SkipUnlessAvailable();
        await using var broker = await HomeMosquitto.StartAsync(users);

        Assert.False(await MqttTestClient.AdmitsAsync(broker.Port), "anonymous");
        Assert.False(await MqttTestClient.AdmitsAsync(broker.Port, "intruder", "guess"), "a made-up user");
        Assert.False(await MqttTestClient.AdmitsAsync(broker.Port, HubUser, "guess"), "the hub's user, wrong password");
        Assert.False(await MqttTestClient.AdmitsAsync(broker.Port, Zigbee, users[HubUser]), "zigbee2mqtt's user, the hub's password");
        Assert.True(await MqttTestClient.AdmitsAsync(broker.Port, Zigbee, users[Zigbee]));
        Assert.True(await MqttTestClient.AdmitsAsync(broker.Port, HubUser, users[HubUser]));
    }

    [SkippableFact]
    public async Task DocumentedMosquitto_EachUserPublishesOnlyItsOwnPart()
    {
        HomeMosquitto.SkipUnlessAvailable();
        await using var broker = await HomeMosquitto.StartAsync(users);
        await using var zigbee = await MqttTestClient.ConnectAsync(broker.Port, Zigbee, users[Zigbee]);
        await using var hub = await MqttTestClient.ConnectAsync(broker.Port, HubUser, users[HubUser]);
        Assert.Equal(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await zigbee.SubscribeAsync("zigbee2mqtt/#"));
        Assert.Equal(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await hub.SubscribeAsync("zigbee2mqtt/#"));

        // What each must be able to do.
        foreach (var (topic, payload) in new[]
        {
            ("zigbee2mqtt/front_door_lock", """{"state":"LOCK","lock_state":"locked"}"""),
            ("zigbee2mqtt/front_door_contact", """{"contact":true}"""),
            ("zigbee2mqtt/front_door_lock/availability", """{"state":"online"}"""),
            ("zigbee2mqtt/bridge/state", """{"state":"online"}"""),
            ("zigbee2mqtt/bridge/response/permit_join", """{"status":"ok"}"""),
        })
        {
            await zigbee.PublishAsync(topic, payload);
            await hub.WaitForAsync(topic, payload);
        }

        foreach (var (topic, payload) in new[] { (LockSet, Unlock), ("zigbee2mqtt/front_door_lock/get", """{"state":""}"""), ("zigbee2mqtt/bridge/request/permit_join", """{"value":false}""") })
        {
            await hub.PublishAsync(topic, payload);
            await zigbee.WaitForAsync(topic, payload);
        }

        // And nothing else: zigbee2mqtt's user commands nothing, the hub's user speaks for no device.
        const string zigbeeBarrier = "zigbee2mqtt/bridge/event";
        await hub.AssertRefusedAsync(zigbee, LockSet, """{"state":"UNLOCK","by":"zigbee2mqtt"}""", zigbeeBarrier);
        await hub.AssertRefusedAsync(zigbee, "zigbee2mqtt/front_door_lock/set/state", "UNLOCK", zigbeeBarrier);
        await hub.AssertRefusedAsync(zigbee, "zigbee2mqtt/bridge/request/permit_join", """{"value":true}""", zigbeeBarrier);
        const string hubBarrier = "zigbee2mqtt/no_such_device/get";
        await zigbee.AssertRefusedAsync(hub, "zigbee2mqtt/front_door_lock", """{"state":"LOCK","lock_state":"locked","by":"hub"}""", hubBarrier);
        await zigbee.AssertRefusedAsync(hub, "zigbee2mqtt/front_door_contact", """{"contact":true,"by":"hub"}""", hubBarrier);
        await zigbee.AssertRefusedAsync(hub, "zigbee2mqtt/bridge/state", """{"state":"offline"}""", hubBarrier);
    }

    [SkippableFact]
    public async Task Probe_DocumentedMosquitto_Closed()
    {
        HomeMosquitto.SkipUnlessAvailable();
        await using var broker = await HomeMosquitto.StartAsync(users);

        var finding = await Probe(broker.Port, HubUser, users[HubUser]).RunAsync(CancellationToken.None);

        Assert.Equal(new HomeBrokerFinding("closed"), finding);
    }

    [SkippableFact]
    public async Task Probe_MosquittoAdmittingAnonymous_OpenThoughTheAclRefusesTheirSet()
    {
        HomeMosquitto.SkipUnlessAvailable();
        await using var broker = await HomeMosquitto.StartAsync(users, conf => conf.Replace("allow_anonymous false", "allow_anonymous true", StringComparison.Ordinal));
        await using var zigbee = await MqttTestClient.ConnectAsync(broker.Port, Zigbee, users[Zigbee]);
        Assert.Equal(MQTTnet.MqttClientSubscribeResultCode.GrantedQoS1, await zigbee.SubscribeAsync("zigbee2mqtt/#"));

        var finding = await Probe(broker.Port, HubUser, users[HubUser]).RunAsync(CancellationToken.None);

        Assert.Equal(new HomeBrokerFinding("open", "anonymous_admitted"), finding);
        // What zigbee2mqtt heard of the probe: only sets to a device no install has (the hub's barrier), nothing it would act on.
        await Eventually.UntilAsync(() => zigbee.Messages.Count > 0, "the hub's barrier");
        Assert.All(zigbee.Messages, m => Assert.Matches("^zigbee2mqtt/threshold-probe-[0-9a-f]{32}/set$", m.Topic));
    }

    [SkippableFact]
    public async Task Probe_HubWithoutItsAccount_Unknown()
    {
        HomeMosquitto.SkipUnlessAvailable();
        await using var broker = await HomeMosquitto.StartAsync(users);

        var finding = await Probe(broker.Port, HubUser, "not-its-password").RunAsync(CancellationToken.None);

        Assert.Equal(new HomeBrokerFinding("unknown"), finding);
    }

    private static HomeBrokerProbe Probe(int port, string user, string password) => new(
        Options.Create(new HubSettings { Zigbee = new ZigbeeSettings { Host = "127.0.0.1", Port = port, Username = user, Password = password } }),
        NullLogger<HomeBrokerProbe>.Instance);

    private static string Secret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
}
