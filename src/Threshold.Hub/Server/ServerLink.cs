using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Hub.Outbox;
using Threshold.Hub.Pairing;
using Threshold.Hub.Storage;
using Threshold.Protocol.Messages;
using Threshold.Protocol.Pairing;
using Threshold.Protocol.Topics;

namespace Threshold.Hub.Server;

/// <summary>
/// The hub's MQTT link to the server broker (docs/hub-protocol.md), its one owner: supervised connection
/// (<see cref="MqttSupervisor"/>), last will on <c>state</c>, the <c>cmd</c>/<c>ack</c> subscriptions (commands queued
/// for <see cref="Commands"/>), and the <see cref="OutboxPublisher"/> for state and event batches.
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

    /// <summary>The hub's own topics, in the one spelling of its id (<see cref="HubTopics"/>).</summary>
    private string Topic(TopicLeaf leaf) => HubTopics.For(runtime.HubId, leaf);

    public async Task PublishAsync(TopicLeaf leaf, byte[] payload, bool retain, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topic(leaf))
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        await client.PublishAsync(message, ct);
    }

    /// <summary>Changes on every (re)connection: the publisher sends the waiting batch again on a new connection.</summary>
    public long ConnectionEpoch => Interlocked.Read(ref connectionEpoch);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += _ =>
        {
            wakeup.Set();
            return Task.CompletedTask;
        };
        var publisher = new OutboxPublisher(this, outbox, status, wakeup, TimeSpan.FromSeconds(settings.BatchResendSeconds), logger);
        var publishing = Task.Run(() => publisher.RunAsync(stoppingToken), CancellationToken.None);
        var mqtt = runtime.Identity.Mqtt;
        var supervisor = new MqttSupervisor(client, "server broker", mqtt.Host, mqtt.Port, logger);
        await supervisor.RunAsync(ConnectAsync, TimeSpan.FromSeconds(settings.ReconnectMaxSeconds), stoppingToken);
        await publishing;
        client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        // A clean disconnect suppresses the last will, so say "offline" ourselves.
        await supervisor.DisconnectAsync(ct => PublishAsync(TopicLeaf.State, HubStateReport.Offline.ToUtf8Bytes(), retain: true, ct));
        client.Dispose();
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var mqtt = runtime.Identity.Mqtt;
        var connect = new MqttClientOptionsBuilder()
            .WithTcpServer(mqtt.Host, mqtt.Port);
        if (mqtt.CertificateSha256 is { } pin)
        {
            // The pin from pairing is the trust: no CA, names or dates; any other certificate and the password is never sent.
            connect = connect.WithTlsOptions(tls => tls.UseTls().WithCertificateValidationHandler(e => Pinned(e.Certificate, pin)));
        }
        else if (!PairingTransport.IsLoopbackHost(mqtt.Host))
        {
            throw new InvalidOperationException($"Plain MQTT to {mqtt.Host} is refused (the password and door state would cross the network); pair again with the pairing string.");
        }

        var options = connect
            .WithClientId(mqtt.Username) // the broker requires client id = user name
            .WithCredentials(mqtt.Username, mqtt.Password)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(5))
            .WithWillTopic(Topic(TopicLeaf.State))
            .WithWillPayload(HubStateReport.Offline.ToUtf8Bytes())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await client.ConnectAsync(options, ct);
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Topic(TopicLeaf.Cmd), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Topic(TopicLeaf.Ack), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        MqttSupervisor.EnsureGranted(await client.SubscribeAsync(subscribe, ct));

        Interlocked.Increment(ref connectionEpoch);
        status.MarkDirty();
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var message = e.ApplicationMessage;
        try
        {
            if (message.Topic == Topic(TopicLeaf.Cmd))
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
            else if (message.Topic == Topic(TopicLeaf.Ack))
            {
                if (message.Payload.Length <= MaxAckPayloadBytes && BatchAck.TryParse(message.Payload.ToArray(), out var ack))
                {
                    var removed = outbox.Acknowledge(ack.Seq);
                    LogAcked(logger, ack.Seq, removed);
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

    private bool Pinned(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, string pin)
    {
        if (PairingTransport.IsPinned(certificate, pin))
        {
            return true;
        }

        var mqtt = runtime.Identity.Mqtt;
        var presented = certificate is null ? "none" : Fingerprint.ToDisplay(Fingerprint.OfCertificate(certificate));
        LogCertificateRefused(logger, mqtt.Host, mqtt.Port, presented, Fingerprint.ToDisplay(pin));
        return false;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused the server broker {Host}:{Port}: its TLS certificate (SHA-256 {Presented}) is not the one pinned at pairing (SHA-256 {Pinned}); not connecting")]
    private static partial void LogCertificateRefused(ILogger logger, string host, int port, string presented, string pinned);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped server message on {Topic}: {Reason}")]
    private static partial void LogDropped(ILogger logger, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ack {Seq}: {Removed} batches dropped")]
    private static partial void LogAcked(ILogger logger, long seq, int removed);
}

internal static class ServerLinkFeature
{
    public static IServiceCollection AddServerLink(this IServiceCollection services) =>
        services.AddSingleton<HubStatus>().AddHostedSingleton<ServerLink>();
}
