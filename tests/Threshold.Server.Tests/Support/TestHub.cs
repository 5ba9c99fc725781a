using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Protocol.Events;
using Threshold.Protocol.Keys;

namespace Threshold.Server.Tests.Support;

/// <summary>
/// A bare protocol peer standing where a hub stands: it pairs over HTTP with fresh keys and speaks the
/// MQTT contract of docs/hub-protocol.md by hand, so tests can send exactly what they want.
/// </summary>
internal sealed class TestHub : IAsyncDisposable
{
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();

    private TestHub(JsonElement pairing, ECDsa signing, ECDiffieHellman sealing)
    {
        Pairing = pairing;
        Signing = signing;
        Sealing = sealing;
        HubId = pairing.GetProperty("hubId").GetGuid();
        client.ApplicationMessageReceivedAsync += e =>
        {
            Received.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray())));
            ReceivedOne.Pulse();
            return Task.CompletedTask;
        };
    }

    public JsonElement Pairing { get; }
    public ECDsa Signing { get; }

    /// <summary>The hub's private sealing key, to open what the server seals to it.</summary>
    public ECDiffieHellman Sealing { get; }
    public Guid HubId { get; }
    public string Prefix => $"thr/v1/hubs/{HubId}/";
    public ConcurrentQueue<(string Topic, string Payload)> Received { get; } = new();

    /// <summary>Fires after each message is added to <see cref="Received"/>.</summary>
    public Signal ReceivedOne { get; } = new();
    public string Username => Pairing.GetProperty("mqtt").GetProperty("username").GetString()!;
    public string Password => Pairing.GetProperty("mqtt").GetProperty("password").GetString()!;
    public int Port => Pairing.GetProperty("mqtt").GetProperty("port").GetInt32();

    /// <summary>The broker certificate pinned at pairing (null: the answer offered plain MQTT).</summary>
    public string? CertificateSha256 => Pairing.GetProperty("mqtt").TryGetProperty("certificateSha256", out var pin) ? pin.GetString() : null;

    public static async Task<TestHub> PairAsync(ServerHost host, string ownerToken, Guid homeId)
    {
        var code = await host.PairingCodeAsync(ownerToken, homeId);
        var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var sealing = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var pairing = await (await host.Client().PostAsJsonAsync("/api/v1/hubs/pair", new
        {
            code,
            name = "test hub",
            signingKey = KeyEncoding.ExportPublicSpki(signing),
            sealingKey = KeyEncoding.ExportPublicSpki(sealing),
        })).JsonAsync(HttpStatusCode.OK);
        return new TestHub(pairing, signing, sealing);
    }

    /// <summary>Connects as the hub does: over TLS to the pinned certificate when the answer gave one (or to <paramref name="port"/>, plain, when given).</summary>
    public async Task ConnectAsync(string? clientId = null, string? password = null, string? willTopic = null, int? port = null)
    {
        var builder = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port ?? Port);
        if (port is null && CertificateSha256 is { } pin)
        {
            builder = builder.WithTlsOptions(tls => tls.UseTls().WithCertificateValidationHandler(e => Threshold.Hub.Pairing.PairingTransport.IsPinned(e.Certificate, pin)));
        }

        var options = builder
            .WithClientId(clientId ?? Username)
            .WithCredentials(Username, password ?? Password)
            .WithWillTopic(willTopic ?? Prefix + "state").WithWillPayload("{\"online\":false}").WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await client.ConnectAsync(options);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(Prefix + "cmd", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(Prefix + "ack", MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string filter)
    {
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return result.Items.Single().ResultCode;
    }

    public Task PublishAsync(string topic, string payload, bool retain = false) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build());

    public Task PublishBytesAsync(string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    public Task ReportOnlineAsync(bool camera = true) =>
        PublishAsync(Prefix + "state", JsonSerializer.Serialize(new { online = true, @lock = "locked", door = "closed", camera }), retain: true);

    public Task SendBatchAsync(long seq, params object[] events)
    {
        var elements = events.Select(e => JsonSerializer.SerializeToElement(e)).ToList();
        var jws = new BatchSigner(Signing, KeyEncoding.KeyId(Signing)).Sign(new EventBatch(HubId.ToString(), seq, elements));
        return PublishAsync(Prefix + "evt", JsonSerializer.Serialize(new { jws }));
    }

    public async Task<string> WaitForAsync(Func<(string Topic, string Payload), bool> match, TimeSpan? timeout = null)
    {
        (string Topic, string Payload) hit = default;
        await Eventually.UntilAsync(() => (hit = Received.FirstOrDefault(match)).Topic is not null, "a matching MQTT message", ReceivedOne, timeout);
        return hit.Payload!;
    }

    /// <summary>Drops the TCP connection without DISCONNECT, so the broker publishes the will.</summary>
    public void Crash() => client.Dispose();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync();
            }
        }
        catch (ObjectDisposedException)
        {
        }

        client.Dispose();
        Signing.Dispose();
        Sealing.Dispose();
    }
}
