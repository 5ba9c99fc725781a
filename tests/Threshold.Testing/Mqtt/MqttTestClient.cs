using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Threshold.Testing;

/// <summary>
/// A test's own client on a loopback broker, from the seat of someone on the home network: signs in as whoever it is
/// told (or nobody), publishes, and records what its subscriptions receive.
/// </summary>
public sealed class MqttTestClient : IAsyncDisposable
{
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentQueue<(string Topic, string Payload)> received = new();

    private MqttTestClient()
    {
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray())));
            Received.Pulse();
            return Task.CompletedTask;
        };
    }

    /// <summary>Fires after each message received.</summary>
    public Signal Received { get; } = new();

    public IReadOnlyList<(string Topic, string Payload)> Messages => [.. received];

    /// <summary>Connects; throws <see cref="MQTTnet.Exceptions.MqttCommunicationException"/> (or a subclass) when refused.</summary>
    public static async Task<MqttTestClient> ConnectAsync(int port, string? user = null, string? password = null)
    {
        var test = new MqttTestClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("test-" + Guid.NewGuid().ToString("N")[..12])
            .WithTimeout(TimeSpan.FromSeconds(5));
        try
        {
            var result = await test.client.ConnectAsync((user is null ? options : options.WithCredentials(user, password)).Build());
            return result.ResultCode == MqttClientConnectResultCode.Success
                ? test
                : throw new MQTTnet.Exceptions.MqttCommunicationException("Connecting failed: " + result.ResultCode);
        }
        catch
        {
            await test.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether the broker lets <paramref name="user"/> (null: anonymous) in; the connection is closed again at once.</summary>
    public static async Task<bool> AdmitsAsync(int port, string? user = null, string? password = null)
    {
        try
        {
            await using var admitted = await ConnectAsync(port, user, password);
            return true;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return false;
        }
    }

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter)
    {
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.Items.Single().ResultCode;
    }

    /// <summary>QoS 1, not retained; returns once the broker acknowledged it (a broker drops a refused one silently under MQTT 3.1.1).</summary>
    public Task PublishAsync(string topic, string payload) => client.PublishAsync(new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(Encoding.UTF8.GetBytes(payload))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build());

    public Task WaitForAsync(string topic, string payload) =>
        Eventually.UntilAsync(() => received.Contains((topic, payload)), $"{payload} on {topic}", Received);

    /// <summary>
    /// <paramref name="sender"/> publishes <paramref name="topic"/>, then the <paramref name="barrier"/> it may publish;
    /// asserts this client got the barrier and not the first (since the call). A broker routes one sender's messages in order, so once the
    /// barrier is here, the first would have been too.
    /// </summary>
    public async Task AssertRefusedAsync(MqttTestClient sender, string topic, string payload, string barrier)
    {
        var marker = $$"""{"barrier":"{{Guid.NewGuid():N}}"}""";
        var before = received.Count;
        await sender.PublishAsync(topic, payload);
        await sender.PublishAsync(barrier, marker);
        await WaitForAsync(barrier, marker);
        Assert.DoesNotContain((topic, payload), Messages.Skip(before));
    }

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync();
        }

        client.Dispose();
    }
}
