using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Threshold.Protocol;
using Threshold.Protocol.Messages;
using Threshold.Protocol.Topics;

namespace Threshold.Server.Hubs;

/// <summary>An MQTT message from a hub, copied out of the client's buffers.</summary>
internal sealed record HubMessage(Guid HubId, TopicLeaf Leaf, byte[] Payload);

/// <summary>
/// The server's own MQTT client: a supervised connection (reconnect with backoff and jitter), the
/// subscriptions to every hub's reply/evt/state, command publishing and reply correlation.
/// Inbound evt/state messages go through a channel to <see cref="HubInbox"/>.
/// </summary>
internal sealed partial class HubLink(HubBroker broker, IOptions<MqttOptions> options, ILogger<HubLink> logger) : BackgroundService
{
    private const int MaxPayloadBytes = 256 * 1024;
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CommandReply>> pending = new();
    private readonly Channel<HubMessage> inbox = Channel.CreateBounded<HubMessage>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.Wait });
    private readonly TaskCompletionSource connectedOnce = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim control = new(1, 1);
    private TaskCompletionSource<JsonElement>? controlResponse;

    /// <summary>Set by the host when an external broker is provisioned over its control topic.</summary>
    public Func<CancellationToken, Task>? OnConnected { get; set; }

    public ChannelReader<HubMessage> Inbox => inbox.Reader;

    public bool IsConnected => client.IsConnected;

    /// <summary>Completes when the first connection is up (tests and the demo wait on it).</summary>
    public Task Connected => connectedOnce.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    await ConnectAsync(stoppingToken);
                    backoff = TimeSpan.FromMilliseconds(200);
                    connectedOnce.TrySetResult();
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogConnectFailed(logger, e.Message);
                await Task.Delay(backoff + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250)), stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }

        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
        }
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var o = options.Value;
        var connect = new MqttClientOptionsBuilder()
            .WithTcpServer(o.Host, broker.Port)
            .WithClientId("threshold-server-" + Guid.NewGuid().ToString("N")[..12])
            .WithCredentials(broker.ServerUsername, broker.ServerPassword)
            .WithCleanSession()
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();
        await client.ConnectAsync(connect, ct);
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var pattern in HubAcl.ServerSubscribePatterns())
        {
            subscribe.WithTopicFilter(pattern, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await client.SubscribeAsync(subscribe.Build(), ct);
        if (!o.Embedded && o.Provisioning == BrokerProvisioning.DynamicSecurity)
        {
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(DynSecProvisioner.ControlTopic + "/response", MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct);
        }

        if (OnConnected is { } onConnected)
        {
            await onConnected(ct);
        }

        LogConnected(logger, o.Host, broker.Port);
    }

    public async Task PublishAsync(string topic, byte[] payload, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await client.PublishAsync(message, ct);
    }

    /// <summary>Sends one control request (mosquitto dynamic security) and waits for its response; one at a time.</summary>
    public async Task<JsonElement> ControlAsync(object request, CancellationToken ct)
    {
        await control.WaitAsync(ct);
        try
        {
            controlResponse = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
            await PublishAsync(DynSecProvisioner.ControlTopic, JsonSerializer.SerializeToUtf8Bytes(request), ct);
            return await controlResponse.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }
        finally
        {
            control.Release();
        }
    }

    /// <summary>Publishes a signed command and waits for the hub's reply with the same jti.</summary>
    public async Task<CommandReply> RequestAsync(Guid hubId, string jti, string jws, TimeSpan timeout, CancellationToken ct)
    {
        var reply = new TaskCompletionSource<CommandReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Keyed by hub too: a reply only counts from the hub the command was addressed to.
        var key = PendingKey(hubId, jti);
        pending[key] = reply;
        try
        {
            try
            {
                await PublishAsync(HubTopics.For(hubId, TopicLeaf.Cmd), new JwsEnvelope(jws).ToUtf8Bytes(), ct);
            }
            catch (MqttCommunicationException e)
            {
                // The connection went between the caller's online check and this publish, or during it: the hub is out
                // of reach, which the door-command policy already answers (Doors/DoorCommands.cs). A publish that timed out
                // waiting for the broker's ack may still reach the hub, so that one is a timeout, as an unanswered command is.
                var code = e is MqttCommunicationTimedOutException ? ProtocolErrors.ReplyTimeout : ProtocolErrors.HubOffline;
                LogPublishFailed(logger, hubId, code, e.Message);
                return CommandReply.Refused(jti, code);
            }

            return await reply.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return CommandReply.Refused(jti, ProtocolErrors.ReplyTimeout);
        }
        finally
        {
            pending.TryRemove(key, out _);
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (message.Topic == DynSecProvisioner.ControlTopic + "/response")
        {
            try
            {
                using var doc = JsonDocument.Parse(message.Payload.ToArray());
                controlResponse?.TrySetResult(doc.RootElement.Clone());
            }
            catch (JsonException)
            {
                LogDropped(logger, message.Topic, "unparseable control response");
            }

            return;
        }

        if (!HubTopics.TryParse(message.Topic, out var hubId, out var leaf) || !HubAcl.ServerSubscribes.Contains(leaf)
            || message.Payload.Length > MaxPayloadBytes)
        {
            LogDropped(logger, message.Topic, "unexpected topic or oversized payload");
            return;
        }

        var payload = message.Payload.ToArray();
        if (leaf == TopicLeaf.Reply)
        {
            if (CommandReply.TryParse(payload, out var reply) && pending.TryGetValue(PendingKey(hubId, reply.Jti), out var waiter))
            {
                waiter.TrySetResult(reply);
            }
            else
            {
                LogDropped(logger, message.Topic, "unparseable or unexpected reply");
            }

            return;
        }

        await inbox.Writer.WriteAsync(new HubMessage(hubId, leaf, payload));
    }

    private static string PendingKey(Guid hubId, string jti) => $"{hubId}/{jti}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Server MQTT client connected to {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Server MQTT client could not connect: {Error}; retrying")]
    private static partial void LogConnectFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish a command to hub {HubId} ({Outcome}): {Error}")]
    private static partial void LogPublishFailed(ILogger logger, Guid hubId, string outcome, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped MQTT message on {Topic}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string topic, string reason);
}
