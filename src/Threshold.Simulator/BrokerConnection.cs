using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Threshold.Simulator;

internal sealed record InboundMessage(string Topic, byte[] Payload);

/// <summary>
/// The simulator's MQTT client, behaving like zigbee2mqtt's: bridge/state as retained last will, a
/// supervised connection that reconnects with backoff, and inbound commands copied into a channel so the
/// MQTTnet receive loop never waits on device logic (awaiting a publish there would deadlock it).
/// </summary>
internal sealed partial class BrokerConnection(SimulatorOptions options, TimeProvider time, ILogger logger) : IDevicePublisher, IAsyncDisposable
{
    /// <summary>zigbee2mqtt commands are tiny; anything this large is garbage and is not even copied.</summary>
    internal const int MaxInboundBytes = 64 * 1024;

    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly Channel<InboundMessage> inbox = Channel.CreateBounded<InboundMessage>(
        new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly string clientId = options.MqttClientId ?? "threshold-sim-" + Guid.NewGuid().ToString("N")[..12];
    private readonly Lock sync = new();
    private TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ChannelReader<InboundMessage> Inbox => inbox.Reader;

    public bool IsConnected => client.IsConnected;

    /// <summary>Completes once connected, subscribed and announced; a disconnect arms a fresh wait.</summary>
    public Task WhenReadyAsync(CancellationToken ct)
    {
        lock (sync)
        {
            return ready.Task.WaitAsync(ct);
        }
    }

    /// <summary>The supervised loop: connect, announce, wait for a disconnect, back off, repeat.</summary>
    public async Task RunAsync(Func<CancellationToken, Task> announce, CancellationToken ct)
    {
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += OnDisconnectedAsync;
        var backoff = options.ReconnectMinDelay;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    lock (sync)
                    {
                        disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    await ConnectAsync(ct);
                    await announce(ct);
                    backoff = options.ReconnectMinDelay;
                    MarkReady();
                    LogConnected(logger, options.MqttHost, options.MqttPort);
                }

                Task wait;
                lock (sync)
                {
                    wait = disconnected.Task;
                }

                try
                {
                    await wait.WaitAsync(TimeSpan.FromSeconds(5), time, ct);
                }
                catch (TimeoutException)
                {
                    // A periodic look at IsConnected, in case a disconnect event was ever missed.
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogConnectFailed(logger, options.MqttHost, options.MqttPort, e.Message, backoff);
                await DropConnectionAsync();
                try
                {
                    var jitter = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(250, backoff.TotalMilliseconds) + 1));
                    await Task.Delay(backoff + jitter, time, ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.ReconnectMaxDelay.Ticks));
            }
        }
    }

    public async Task PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            // Like zigbee2mqtt without a broker: the message is lost; the next connect re-announces state.
            LogNotConnected(logger, topic);
            return;
        }

        // zigbee2mqtt publishes device state at QoS 0 and its retained bridge/availability topics at QoS 1.
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(retain ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        try
        {
            await client.PublishAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogPublishFailed(logger, topic, e.Message);
        }
    }

    /// <summary>zigbee2mqtt announces bridge offline itself on a clean stop; the last will covers crashes.</summary>
    public async ValueTask DisposeAsync()
    {
        inbox.Writer.TryComplete();
        if (client.IsConnected)
        {
            try
            {
                await PublishAsync(options.BridgeStateTopic, Z2mPayloads.Availability(false), retain: true, CancellationToken.None);
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
            }
            catch (Exception e)
            {
                LogPublishFailed(logger, options.BridgeStateTopic, e.Message);
            }
        }

        client.Dispose();
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.MqttHost, options.MqttPort)
            .WithClientId(clientId)
            .WithCleanSession()
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithWillTopic(options.BridgeStateTopic)
            .WithWillPayload(Z2mPayloads.Availability(false))
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (options.MqttUsername is not null)
        {
            builder = builder.WithCredentials(options.MqttUsername, options.MqttPassword);
        }

        await client.ConnectAsync(builder.Build(), ct);
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var device in new[] { options.LockTopic, options.ContactTopic })
        {
            foreach (var verb in new[] { "set", "get" })
            {
                subscribe = subscribe
                    .WithTopicFilter($"{device}/{verb}", MqttQualityOfServiceLevel.AtMostOnce)
                    .WithTopicFilter($"{device}/{verb}/+", MqttQualityOfServiceLevel.AtMostOnce);
            }
        }

        await client.SubscribeAsync(subscribe.Build(), ct);
    }

    private async Task DropConnectionAsync()
    {
        // A connection that came up but could not be announced is dropped, so the next attempt announces again.
        if (client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
            }
            catch (Exception e)
            {
                LogPublishFailed(logger, options.BridgeStateTopic, e.Message);
            }
        }
    }

    private void MarkReady()
    {
        lock (sync)
        {
            if (client.IsConnected)
            {
                ready.TrySetResult();
            }
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        lock (sync)
        {
            if (ready.Task.IsCompleted)
            {
                ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            disconnected.TrySetResult();
        }

        if (e.ClientWasConnected)
        {
            LogDisconnected(logger, e.Reason.ToString());
        }

        return Task.CompletedTask;
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        if (message.Payload.Length > MaxInboundBytes)
        {
            LogDropped(logger, message.Topic, $"payload of {message.Payload.Length} bytes");
        }
        else if (!inbox.Writer.TryWrite(new InboundMessage(message.Topic, message.Payload.ToArray())))
        {
            LogDropped(logger, message.Topic, "command queue full");
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulator connected to MQTT broker {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulator lost the MQTT broker: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Simulator cannot reach MQTT broker {Host}:{Port}: {Error}; retrying in {Backoff}")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string error, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Not connected; dropped publication on {Topic}")]
    private static partial void LogNotConnected(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing on {Topic} failed: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string topic, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped MQTT message on {Topic}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string topic, string reason);
}
