using System.Text;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace Threshold.Hub.Locks;

/// <summary>The MQTT client to the home's zigbee2mqtt broker and the topics of the devices the hub drives.</summary>
internal sealed class ZigbeeConnection : IDisposable
{
    public ZigbeeConnection(IOptions<HubSettings> settings)
    {
        var z = settings.Value.Zigbee;
        Settings = z;
        LockTopic = $"{z.BaseTopic}/{z.LockDevice}";
        ContactTopic = $"{z.BaseTopic}/{z.ContactDevice}";
        BridgeStateTopic = $"{z.BaseTopic}/bridge/state";
    }

    public IMqttClient Client { get; } = new MqttClientFactory().CreateMqttClient();

    public ZigbeeSettings Settings { get; }

    public string LockTopic { get; }

    public string ContactTopic { get; }

    public string BridgeStateTopic { get; }

    public Task SetLockAsync(bool locked, CancellationToken ct) =>
        PublishAsync(LockTopic + "/set", locked ? """{"state":"LOCK"}""" : """{"state":"UNLOCK"}""", ct);

    public Task RequestLockStateAsync(CancellationToken ct) => PublishAsync(LockTopic + "/get", """{"state":""}""", ct);

    /// <summary>Sends a <c>/set</c> payload to the lock (PIN slots, user status). Never logged: it may carry a code.</summary>
    public Task SendToLockAsync(string json, CancellationToken ct) => PublishAsync(LockTopic + "/set", json, ct);

    private async Task PublishAsync(string topic, string json, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(Encoding.UTF8.GetBytes(json))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await Client.PublishAsync(message, ct);
    }

    public void Dispose() => Client.Dispose();
}
