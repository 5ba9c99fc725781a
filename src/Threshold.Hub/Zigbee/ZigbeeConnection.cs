using System.Buffers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Zigbee;

/// <summary>
/// The one owner of the home broker (zigbee2mqtt) connection and of device availability: a supervised connection
/// (<see cref="MqttSupervisor"/>), the device subscriptions, payloads parsed into typed <see cref="DeviceReport"/>s and
/// handed to each reader in <see cref="DeviceReader"/> order, and the commands to the lock. Garbage is dropped and logged.
/// </summary>
internal sealed partial class ZigbeeConnection : BackgroundService
{
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly Lock gate = new();
    private readonly SortedList<DeviceReader, Action<DeviceReport>> readers = [];
    private readonly ZigbeeSettings settings;
    private readonly TimeSpan maxBackoff;
    private readonly ILogger<ZigbeeConnection> logger;
    private readonly string lockTopic;
    private readonly string contactTopic;
    private readonly string bridgeStateTopic;
    private Availability devices = Availability.Unknown; // written on the receive path, under the gate

    public ZigbeeConnection(IOptions<HubSettings> options, ILogger<ZigbeeConnection> logger)
    {
        settings = options.Value.Zigbee;
        maxBackoff = TimeSpan.FromSeconds(options.Value.ReconnectMaxSeconds);
        this.logger = logger;
        lockTopic = $"{settings.BaseTopic}/{settings.LockDevice}";
        contactTopic = $"{settings.BaseTopic}/{settings.ContactDevice}";
        bridgeStateTopic = $"{settings.BaseTopic}/bridge/state";
    }

    public bool IsConnected => client.IsConnected;

    /// <summary>
    /// Registers a reader; <paramref name="deliver"/> runs on the receive path and must only queue the report (a channel
    /// write). Readers are registered while the host is built, before the connection starts.
    /// </summary>
    public void Subscribe(DeviceReader reader, Action<DeviceReport> deliver)
    {
        lock (gate)
        {
            readers.Add(reader, deliver);
        }
    }

    /// <summary>Sends a command to the lock. Never logged: a PIN payload carries a code.</summary>
    public async Task SendAsync(LockCommand command, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic($"{lockTopic}/{command.Verb}")
            .WithPayload(Encoding.UTF8.GetBytes(command.Payload().ToJsonString()))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await client.PublishAsync(message, ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        var clientId = "threshold-hub-" + Guid.NewGuid().ToString("N")[..12];
        var supervisor = new MqttSupervisor(client, "home broker", settings.Host, settings.Port, logger);
        await supervisor.RunAsync(ct => ConnectAsync(clientId, ct), maxBackoff, stoppingToken);
        client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        await supervisor.DisconnectAsync();
    }

    public override void Dispose()
    {
        client.Dispose();
        base.Dispose();
    }

    private async Task ConnectAsync(string clientId, CancellationToken ct)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(settings.Host, settings.Port)
            .WithClientId(clientId)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (!string.IsNullOrEmpty(settings.Username))
        {
            builder = builder.WithCredentials(settings.Username, settings.Password);
        }

        await client.ConnectAsync(builder.Build(), ct);
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(lockTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(lockTopic + "/availability", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(contactTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(contactTopic + "/availability", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(bridgeStateTopic, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        // Refused (the home broker's ACL): the hub would hear nothing of the door, lock or keypad while it looked connected.
        MqttSupervisor.EnsureGranted(await client.SubscribeAsync(subscribe, ct));
        Deliver(new ZigbeeConnected());
        // Ask the lock for its state: the door's start-up check (relock when found open with no session) runs on the answer.
        await SendAsync(new RequestLockState(), ct);
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
        if (topic == lockTopic)
        {
            if (DeviceMessages.ParseLock(payload, out error) is { } report)
            {
                Deliver(report with { Retained = retained });
            }
        }
        else if (topic == contactTopic)
        {
            if (DeviceMessages.ParseContact(payload, out error) is { } report)
            {
                Deliver(report);
            }
        }
        else if (DeviceOf(topic) is { } device)
        {
            if (DeviceMessages.ParseOnline(payload, out error) is { } online)
            {
                SetAvailability(device, online);
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

    private string? DeviceOf(string topic) =>
        topic == lockTopic + "/availability" ? DeviceNames.Lock
        : topic == contactTopic + "/availability" ? DeviceNames.Contact
        : topic == bridgeStateTopic ? DeviceNames.Bridge
        : null;

    /// <summary>Only a change is reported (retained availability comes again on every reconnect).</summary>
    private void SetAvailability(string device, bool online)
    {
        lock (gate)
        {
            var known = devices.Of(device);
            if (known == online)
            {
                return;
            }

            devices = devices.With(device, online);
            Deliver(new AvailabilityChanged(device, online, WasKnown: known is not null, devices));
        }
    }

    private void Deliver(DeviceReport report)
    {
        lock (gate)
        {
            foreach (var deliver in readers.Values)
            {
                deliver(report);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped device message on {Topic}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string topic, string reason);
}

internal static class ZigbeeFeature
{
    /// <summary>Add before its readers: hosted services stop in reverse order, so the connection stops after them.</summary>
    public static IServiceCollection AddZigbee(this IServiceCollection services) => services.AddHostedSingleton<ZigbeeConnection>();
}
