using System.Buffers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Hub.Credentials;

namespace Threshold.Hub.Locks;

/// <summary>
/// zigbee2mqtt driver: a supervised connection to the home broker, the device subscriptions, and parsing
/// of device payloads into reports for <see cref="LockController"/>. Garbage is dropped and logged.
/// </summary>
internal sealed partial class Zigbee2MqttDriver(
    ZigbeeConnection zigbee, LockController controller, SlotManager slots, IOptions<HubSettings> settings, ILogger<Zigbee2MqttDriver> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        zigbee.Client.ApplicationMessageReceivedAsync += OnMessageAsync;
        var maxBackoff = TimeSpan.FromSeconds(settings.Value.ReconnectMaxSeconds);
        var backoff = TimeSpan.FromMilliseconds(200);
        var clientId = "threshold-hub-" + Guid.NewGuid().ToString("N")[..12];
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!zigbee.Client.IsConnected)
                {
                    await ConnectAsync(clientId, stoppingToken);
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
                LogConnectFailed(logger, zigbee.Settings.Host, zigbee.Settings.Port, e.Message);
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

        zigbee.Client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        if (zigbee.Client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await zigbee.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogConnectFailed(logger, zigbee.Settings.Host, zigbee.Settings.Port, "disconnect: " + e.Message);
            }
        }
    }

    private async Task ConnectAsync(string clientId, CancellationToken ct)
    {
        var z = zigbee.Settings;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(z.Host, z.Port)
            .WithClientId(clientId)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (!string.IsNullOrEmpty(z.Username))
        {
            builder = builder.WithCredentials(z.Username, z.Password);
        }

        await zigbee.Client.ConnectAsync(builder.Build(), ct);
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(zigbee.LockTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(zigbee.LockTopic + "/availability", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(zigbee.ContactTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(zigbee.ContactTopic + "/availability", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(zigbee.BridgeStateTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await zigbee.Client.SubscribeAsync(subscribe, ct);
        LogConnected(logger, z.Host, z.Port);
        // The lock's PIN slots are re-synced on every (re)connection: changes may have been missed meanwhile.
        slots.Post(new ZigbeeConnected());
        // Ask the lock for its state: the start-up check (relock when found open with no session) runs on the answer.
        await zigbee.RequestLockStateAsync(ct);
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        try
        {
            Route(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload, e.ApplicationMessage.Retain);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogDropped(logger, e.ApplicationMessage.Topic, ex.Message);
        }

        return Task.CompletedTask;
    }

    private void Route(string topic, ReadOnlySequence<byte> sequence, bool retained)
    {
        if (sequence.Length > DeviceMessages.MaxPayloadBytes)
        {
            LogDropped(logger, topic, "oversized payload");
            return;
        }

        var payload = sequence.ToArray();
        string? error;
        if (topic == zigbee.LockTopic)
        {
            var report = DeviceMessages.ParseLock(payload, out error);
            if (report is not null)
            {
                // The controller first: a keypad unlock starts its session before the slot manager may ask for a relock.
                controller.Post(report);
                // A retained state (zigbee2mqtt's retain option) replays the last action on every reconnect: it is state,
                // not an event, and must not count a keypad entry or a wrong code twice.
                if (report.Action is not null && !retained)
                {
                    slots.Post(report);
                }
            }
        }
        else if (topic == zigbee.ContactTopic)
        {
            var report = DeviceMessages.ParseContact(payload, out error);
            if (report is not null)
            {
                controller.Post(report);
            }
        }
        else if (topic == zigbee.LockTopic + "/availability" || topic == zigbee.ContactTopic + "/availability" || topic == zigbee.BridgeStateTopic)
        {
            var online = DeviceMessages.ParseOnline(payload, out error);
            if (online is { } value)
            {
                var device = topic == zigbee.BridgeStateTopic ? "bridge" : topic.StartsWith(zigbee.LockTopic + "/", StringComparison.Ordinal) ? "lock" : "contact";
                var report = new AvailabilityReport(device, value);
                controller.Post(report);
                slots.Post(report);
            }
        }
        else
        {
            error = "unexpected topic";
        }

        if (error is not null)
        {
            LogDropped(logger, topic, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the home broker {Host}:{Port}")]
    private static partial void LogConnected(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Home broker {Host}:{Port}: {Error}; retrying")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped device message on {Topic}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string topic, string reason);
}

internal static class Backoff
{
    public static TimeSpan Next(TimeSpan current, TimeSpan max) => TimeSpan.FromTicks(Math.Min(current.Ticks * 2, max.Ticks));

    /// <summary>Full jitter in [d/2, d].</summary>
    public static TimeSpan Jittered(TimeSpan delay) => delay / 2 + delay / 2 * Random.Shared.NextDouble();
}
