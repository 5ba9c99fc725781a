using System.Buffers;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace Threshold.Simulator.Tests.Support;

internal sealed record Observed(string Topic, string Payload, bool Retain)
{
    public JsonElement Json
    {
        get
        {
            using var doc = JsonDocument.Parse(Payload);
            return doc.RootElement.Clone();
        }
    }

    public string? Str(string property) =>
        Json.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}

/// <summary>A plain MQTT client recording everything under a filter, with waits on conditions.</summary>
internal sealed class TopicObserver : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = Eventually.Timeout;
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly List<Observed> messages = [];
    private readonly Lock sync = new();
    private readonly Signal arrived = new();

    private TopicObserver()
    {
        client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            lock (sync)
            {
                messages.Add(new Observed(m.Topic, Encoding.UTF8.GetString(m.Payload.ToArray()), m.Retain));
            }

            arrived.Pulse();
            return Task.CompletedTask;
        };
    }

    /// <summary>Index of the next message; pass it as <c>from</c> to only look at what comes later.</summary>
    public int Mark
    {
        get
        {
            lock (sync)
            {
                return messages.Count;
            }
        }
    }

    public static async Task<TopicObserver> ConnectAsync(int port, string filter = "zigbee2mqtt/#")
    {
        var observer = new TopicObserver();
        await observer.client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId("observer-" + Guid.NewGuid().ToString("N")[..8])
            .WithCleanSession()
            .Build());
        await observer.client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        return observer;
    }

    public Task PublishAsync(string topic, string payload) => PublishAsync(topic, Encoding.UTF8.GetBytes(payload));

    public async Task PublishAsync(string topic, byte[] payload) =>
        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    public async Task<Observed> WaitForAsync(Func<Observed, bool> match, int from = 0, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.ValueAsync(() => Find(match, from), "a matching message", arrived, timeout ?? DefaultTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("No matching message. Seen:\n" + Dump(from));
        }
    }

    /// <summary>Next message on <paramref name="topic"/> whose JSON satisfies <paramref name="match"/>.</summary>
    public Task<Observed> WaitForJsonAsync(string topic, Func<JsonElement, bool> match, int from = 0) =>
        WaitForAsync(m => m.Topic == topic && match(m.Json), from);

    public IReadOnlyList<Observed> Since(int from)
    {
        lock (sync)
        {
            return messages.Skip(from).ToList();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }

        client.Dispose();
    }

    private Observed? Find(Func<Observed, bool> match, int from)
    {
        lock (sync)
        {
            return messages.Skip(from).FirstOrDefault(m => Matches(match, m));
        }
    }

    private static bool Matches(Func<Observed, bool> match, Observed m)
    {
        try
        {
            return match(m);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return false;
        }
    }

    private string Dump(int from)
    {
        lock (sync)
        {
            return string.Join('\n', messages.Skip(from).Select(m => $"{m.Topic} {m.Payload}"));
        }
    }
}
