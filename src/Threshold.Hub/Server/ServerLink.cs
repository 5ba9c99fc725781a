using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Hub.Locks;
using Threshold.Hub.Outbox;

namespace Threshold.Hub.Server;

/// <summary>
/// The hub's MQTT link to the server broker (docs/hub-protocol.md): supervised connection with backoff and
/// jitter, last will on <c>state</c>, the <c>cmd</c>/<c>ack</c> subscriptions, retained state, and the outbox
/// publisher that re-sends the oldest unacknowledged batch unchanged until it is acked.
/// </summary>
internal sealed partial class ServerLink(
    HubRuntime runtime,
    EventOutbox outbox,
    HubStatus status,
    OutboundWakeup wakeup,
    IOptions<HubSettings> options,
    ILogger<ServerLink> logger) : BackgroundService
{
    public const int MaxCommandPayloadBytes = 16 * 1024;
    private const int MaxAckPayloadBytes = 1024;

    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly Channel<byte[]> commands = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly HubSettings settings = options.Value;
    private long connectionEpoch;

    public ChannelReader<byte[]> Commands => commands.Reader;

    public bool IsConnected => client.IsConnected;

    private string Topic(string leaf) => runtime.TopicPrefix + leaf;

    public async Task PublishAsync(string leaf, string json, bool retain, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topic(leaf))
            .WithPayload(Encoding.UTF8.GetBytes(json))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        await client.PublishAsync(message, ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += _ =>
        {
            wakeup.Set();
            return Task.CompletedTask;
        };
        var publisher = Task.Run(() => PublishLoopAsync(stoppingToken), CancellationToken.None);
        var maxBackoff = TimeSpan.FromSeconds(settings.ReconnectMaxSeconds);
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await ConnectAsync(stoppingToken);
                    backoff = TimeSpan.FromMilliseconds(200);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogConnectFailed(logger, runtime.Identity.Mqtt.Host, runtime.Identity.Mqtt.Port, e.Message);
                try
                {
                    await Task.Delay(Backoff.Jittered(backoff), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = Backoff.Next(backoff, maxBackoff);
            }
        }

        await publisher;
        client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        if (client.IsConnected)
        {
            // A clean disconnect suppresses the last will, so say "offline" ourselves.
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await PublishAsync("state", HubStatus.Offline, retain: true, timeout.Token);
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogPublishFailed(logger, "state", e.Message);
            }
        }

        client.Dispose();
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var mqtt = runtime.Identity.Mqtt;
        var connect = new MqttClientOptionsBuilder()
            .WithTcpServer(mqtt.Host, mqtt.Port)
            .WithClientId(mqtt.Username) // the broker requires client id = user name
            .WithCredentials(mqtt.Username, mqtt.Password)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithWillTopic(Topic("state"))
            .WithWillPayload(Encoding.UTF8.GetBytes(HubStatus.Offline))
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await client.ConnectAsync(connect, ct);
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topic("cmd"), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topic("ack"), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await client.SubscribeAsync(subscribe, ct);
        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new InvalidOperationException($"Subscription to {item.TopicFilter.Topic} refused: {item.ResultCode}");
            }
        }

        Interlocked.Increment(ref connectionEpoch);
        status.MarkDirty();
        LogConnected(logger, mqtt.Host, mqtt.Port);
    }

    private async Task PublishLoopAsync(CancellationToken ct)
    {
        var resend = TimeSpan.FromSeconds(settings.BatchResendSeconds);
        long sentSeq = 0, sentEpoch = -1;
        var sentAt = Stopwatch.StartNew();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await wakeup.WaitAsync(TimeSpan.FromMilliseconds(250), ct);
                    continue;
                }

                if (status.TakeIfDirty() is { } state)
                {
                    try
                    {
                        await PublishAsync("state", state, retain: true, ct);
                    }
                    catch
                    {
                        status.MarkDirty();
                        throw;
                    }
                }

                var wait = TimeSpan.FromSeconds(5);
                var batch = outbox.NextBatch();
                if (batch is not null)
                {
                    var epoch = Interlocked.Read(ref connectionEpoch);
                    var due = batch.Seq != sentSeq || epoch != sentEpoch || sentAt.Elapsed >= resend;
                    if (due)
                    {
                        var body = new JsonObject { ["jws"] = batch.Jws }.ToJsonString();
                        await PublishAsync("evt", body, retain: false, ct);
                        LogBatchSent(logger, batch.Seq, batch.EventCount);
                        (sentSeq, sentEpoch) = (batch.Seq, epoch);
                        sentAt.Restart();
                    }

                    wait = resend - sentAt.Elapsed;
                    if (wait < TimeSpan.FromMilliseconds(10))
                    {
                        wait = TimeSpan.FromMilliseconds(10);
                    }
                }

                await wakeup.WaitAsync(wait, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogPublishFailed(logger, "evt", e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        try
        {
            if (message.Topic == Topic("cmd"))
            {
                if (message.Payload.Length > MaxCommandPayloadBytes)
                {
                    LogDropped(logger, message.Topic, $"oversized payload ({message.Payload.Length} bytes)");
                }
                else if (!commands.Writer.TryWrite(message.Payload.ToArray()))
                {
                    LogDropped(logger, message.Topic, "command queue full");
                }
            }
            else if (message.Topic == Topic("ack"))
            {
                if (TryReadAck(message.Payload, out var seq))
                {
                    var removed = outbox.Acknowledge(seq);
                    LogAcked(logger, seq, removed);
                }
                else
                {
                    LogDropped(logger, message.Topic, "not {\"seq\":N}");
                }
            }
            else
            {
                LogDropped(logger, message.Topic, "unexpected topic");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDropped(logger, message.Topic, ex.Message);
        }

        return Task.CompletedTask;
    }

    private static bool TryReadAck(ReadOnlySequence<byte> payload, out long seq)
    {
        seq = 0;
        if (payload.Length is 0 or > MaxAckPayloadBytes)
        {
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(payload.ToArray());
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("seq", out var s)
                && s.ValueKind == JsonValueKind.Number
                && s.TryGetInt64(out seq)
                && seq >= 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the server broker {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server broker {Host}:{Port}: {Error}; retrying")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Leaf} failed: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string leaf, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped server message on {Topic}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent batch {Seq} ({Count} events)")]
    private static partial void LogBatchSent(ILogger logger, long seq, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ack {Seq}: {Removed} batches dropped")]
    private static partial void LogAcked(ILogger logger, long seq, int removed);
}
