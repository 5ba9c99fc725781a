using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Tests.Support;

public sealed record ReceivedBatch(long Seq, string Jws, IReadOnlyList<JsonElement> Events);

public sealed record Reply(string? Jti, bool Ok, string? Error);

/// <summary>
/// The server side of the protocol as a test sees it: publishes cmd/ack, verifies evt batches with the hub's
/// paired key (BatchVerifier), applies each seq once, acks (unless told not to), records replies and state.
/// </summary>
public sealed class FakeServer(int port, string hubId, string topicPrefix, ECDsa hubPublicKey) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private long lastApplied;

    public bool AutoAck { get; set; } = true;

    public List<ReceivedBatch> Received { get; } = [];

    public List<JsonElement> Applied { get; } = [];

    public ConcurrentQueue<Reply> Replies { get; } = new();

    public ConcurrentQueue<string> States { get; } = new();

    public ConcurrentQueue<string> RejectedBatches { get; } = new();

    /// <summary>Fires after each message from the hub is recorded.</summary>
    public Signal Changed { get; } = new();

    public async Task ConnectAsync()
    {
        client.Dispose();
        client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.ApplicationMessageReceivedAsync += _ => { Changed.Pulse(); return Task.CompletedTask; };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("fake-server-" + Guid.NewGuid().ToString("N")[..8]).Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(topicPrefix + "reply", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(topicPrefix + "evt", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(topicPrefix + "state", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
    }

    public Task SendCommandAsync(string jws) => PublishAsync("cmd", Encoding.UTF8.GetBytes(new JsonObject { ["jws"] = jws }.ToJsonString()));

    public async Task PublishAsync(string leaf, byte[] payload) =>
        await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topicPrefix + leaf)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    public Task AckAsync(long seq) => PublishAsync("ack", Encoding.UTF8.GetBytes($$"""{"seq":{{seq}}}"""));

    public Task<Reply> WaitReplyAsync(string jti) => Eventually.ValueAsync(() => Replies.FirstOrDefault(r => r.Jti == jti), "reply for " + jti, Changed);

    public JsonElement[] Events(string type)
    {
        lock (gate)
        {
            return [.. Applied.Where(e => e.GetProperty("type").GetString() == type)];
        }
    }

    public JsonElement[] Events(string type, string field, string value)
    {
        lock (gate)
        {
            return [.. Applied.Where(e => e.GetProperty("type").GetString() == type
                && e.TryGetProperty(field, out var f) && f.ValueKind == JsonValueKind.String && f.GetString() == value)];
        }
    }

    public Task WaitEventAsync(string type, string field, string value) =>
        Eventually.UntilAsync(() => Events(type, field, value).Length > 0, $"event {type} {field}={value}", Changed);

    public Task WaitEventAsync(string type) => Eventually.UntilAsync(() => Events(type).Length > 0, "event " + type, Changed);

    public ReceivedBatch[] Batches()
    {
        lock (gate)
        {
            return [.. Received];
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload.ToArray();
        if (topic.EndsWith("/state", StringComparison.Ordinal))
        {
            States.Enqueue(Encoding.UTF8.GetString(payload));
        }
        else if (topic.EndsWith("/reply", StringComparison.Ordinal))
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            Replies.Enqueue(new Reply(
                root.GetProperty("jti").GetString(),
                root.GetProperty("ok").GetBoolean(),
                root.TryGetProperty("error", out var error) ? error.GetString() : null));
        }
        else if (topic.EndsWith("/evt", StringComparison.Ordinal))
        {
            using var doc = JsonDocument.Parse(payload);
            var jws = doc.RootElement.GetProperty("jws").GetString()!;
            var verification = BatchVerifier.Verify(jws, hubPublicKey, hubId);
            if (!verification.Ok)
            {
                RejectedBatches.Enqueue(verification.Error!);
                return Task.CompletedTask;
            }

            var batch = verification.Batch!;
            bool ack;
            lock (gate)
            {
                Received.Add(new ReceivedBatch(batch.Seq, jws, batch.Events));
                if (batch.Seq > lastApplied && AutoAck)
                {
                    Applied.AddRange(batch.Events);
                    lastApplied = batch.Seq;
                }

                ack = AutoAck;
            }

            if (ack)
            {
                var seq = batch.Seq;
                _ = Task.Run(() => AckAsync(Math.Max(seq, Interlocked.Read(ref lastApplied))));
            }
        }

        return Task.CompletedTask;
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
