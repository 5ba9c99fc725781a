using System.Net;
using MQTTnet;
using MQTTnet.Exceptions;
using Threshold.Server.Tests.EndToEnd;
using Threshold.Server.Tests.Support;
using Threshold.Simulator;

namespace Threshold.Server.Tests.ExternalBroker;

/// <summary>
/// Production shape: the server against an external mosquitto, hub accounts provisioned through the
/// dynamic-security plugin; the broker, not Threshold, enforces each hub's topic prefix.
/// </summary>
public sealed class MosquittoBrokerTests
{
    [SkippableFact]
    public async Task Delivery_OverMosquitto_CompletesAndHubsAreFencedIn()
    {
        Mosquitto.SkipUnlessAvailable();
        await using var mosquitto = await Mosquitto.StartAsync();
        await using var stack = await Stack.StartAsync(new Dictionary<string, string>
        {
            ["Threshold:Mqtt:Embedded"] = "false",
            ["Threshold:Mqtt:Port"] = mosquitto.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Threshold:Mqtt:ServerUsername"] = Mosquitto.AdminUser,
            ["Threshold:Mqtt:ServerPassword"] = mosquitto.AdminPassword,
            ["Threshold:Mqtt:Provisioning"] = "DynamicSecurity",
            // This test's mosquitto serves plain MQTT on loopback; TLS is another test's point.
            ["Threshold:Mqtt:Tls"] = "false",
        });

        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(BoltPosition.Unlocked, stack.Devices.GetState().Bolt);
        await stack.Devices.OpenDoorAsync();
        await stack.Devices.CloseDoorAsync();
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "door_closed", "door_closed over mosquitto", stack.Changes);
        stack.Server.Clock.Advance(TimeSpan.FromSeconds(6));
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "completed", "completed over mosquitto", stack.Changes);

        // A second home's hub: its account works, but only for its own topics.
        var (_, ownerB) = await stack.Server.ResidentAsync();
        var (homeB, _) = await stack.Server.HomeAsync(ownerB);
        await using var hubB = await TestHub.PairAsync(stack.Server, ownerB, homeB);
        await hubB.ConnectAsync();
        var hubA = Threshold.Hub.Storage.HubDataDirectory.LoadIdentity(stack.HubDir).HubId;
        Assert.NotEqual(MqttClientSubscribeResultCode.GrantedQoS1, await hubB.SubscribeAsync($"thr/v1/hubs/{hubA}/cmd"));
        Assert.NotEqual(MqttClientSubscribeResultCode.GrantedQoS1, await hubB.SubscribeAsync("#"));
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(async () =>
        {
            await using var guesser = await TestHub.PairAsync(stack.Server, ownerB, homeB);
            await guesser.ConnectAsync(password: "guess");
        });
    }
}
