using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Threshold.Testing;

/// <summary>A message a client published through a <see cref="LoopbackBroker"/> started with <c>observe: true</c>.</summary>
public sealed record BrokerMessage(string ClientId, string Topic, byte[] Payload, bool Retain);

/// <summary>
/// A real MQTTnet broker on 127.0.0.1 without accounts, like the broker zigbee2mqtt and the hub share on a home
/// network. It can be stopped and started again on the same port (a broker restart: nothing retained, every client
/// must reconnect), can drop a client as a dead link would, and, when asked, records what is published through it.
/// </summary>
public sealed class LoopbackBroker : IAsyncDisposable
{
    private readonly bool observe;
    private readonly X509Certificate2? certificate;
    private int connectAttempts;
    private readonly ConcurrentQueue<BrokerMessage> published = new();
    private readonly ConcurrentDictionary<string, byte> granted = new();
    private int toRefuse;
    private int refused;
    private MqttServer? server;

    private LoopbackBroker(int port, bool observe, X509Certificate2? certificate)
    {
        Port = port;
        this.observe = observe;
        this.certificate = certificate;
    }

    public int Port { get; }

    /// <summary>CONNECT packets received so far (a client that refused the broker's certificate never sends one).</summary>
    public int ConnectAttempts => Volatile.Read(ref connectAttempts);

    /// <summary>Fires after each message is recorded (only with <c>observe: true</c>).</summary>
    public Signal Published { get; } = new();

    /// <summary>Everything published so far, in the order the broker took it (only with <c>observe: true</c>).</summary>
    public IReadOnlyList<BrokerMessage> Messages => [.. published];

    /// <summary>Topic filters refused so far (see <see cref="RefuseSubscriptions"/>).</summary>
    public int RefusedSubscriptions => Volatile.Read(ref refused);

    /// <summary>Whether some client's subscription to <paramref name="filter"/> was granted (since this broker was created).</summary>
    public bool WasGranted(string filter) => granted.ContainsKey(filter);

    /// <summary>Refuses the next <paramref name="filters"/> topic filters subscribed to, as a broker's ACL would.</summary>
    public void RefuseSubscriptions(int filters) => Volatile.Write(ref toRefuse, filters);

    /// <summary>
    /// Starts a broker on <paramref name="port"/> (a free one when null). Observing costs an interceptor on every
    /// publish, so measurements leave it off.
    /// </summary>
    public static async Task<LoopbackBroker> StartAsync(int? port = null, bool observe = false)
    {
        var broker = new LoopbackBroker(port ?? FreePort.Next(), observe, certificate: null);
        await broker.StartAgainAsync();
        return broker;
    }

    /// <summary>A broker that speaks MQTT over TLS only, with <paramref name="certificate"/>, on <paramref name="port"/> (a free one when null).</summary>
    public static async Task<LoopbackBroker> StartTlsAsync(X509Certificate2 certificate, int? port = null)
    {
        var broker = new LoopbackBroker(port ?? FreePort.Next(), observe: false, certificate);
        await broker.StartAgainAsync();
        return broker;
    }

    /// <summary>Stops the broker; clients see the connection drop.</summary>
    public async Task StopAsync()
    {
        if (server is { } running)
        {
            server = null;
            await running.StopAsync();
            running.Dispose();
        }
    }

    /// <summary>A fresh broker on the same port: nothing retained, every client must reconnect.</summary>
    public async Task StartAgainAsync()
    {
        await StopAsync();
        var options = certificate is null
            ? new MqttServerOptionsBuilder()
                .WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
                .WithDefaultEndpointPort(Port)
                .WithDefaultEndpointReuseAddress()
            : new MqttServerOptionsBuilder()
                .WithoutDefaultEndpoint()
                .WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
                .WithEncryptedEndpointPort(Port)
                .WithEncryptionCertificate(certificate)
                .WithTlsEndpointReuseAddress();
        var next = new MqttServerFactory().CreateMqttServer(options.Build());
        next.ValidatingConnectionAsync += _ =>
        {
            Interlocked.Increment(ref connectAttempts);
            return Task.CompletedTask;
        };
        next.InterceptingSubscriptionAsync += e =>
        {
            if (Interlocked.Decrement(ref toRefuse) >= 0)
            {
                e.ProcessSubscription = false;
                e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
                Interlocked.Increment(ref refused);
            }
            else
            {
                Interlocked.Exchange(ref toRefuse, 0);
                granted.TryAdd(e.TopicFilter.Topic, 0);
            }

            return Task.CompletedTask;
        };
        if (observe)
        {
            next.InterceptingPublishAsync += e =>
            {
                var m = e.ApplicationMessage;
                published.Enqueue(new BrokerMessage(e.ClientId, m.Topic, m.Payload.ToArray(), m.Retain));
                Published.Pulse();
                return Task.CompletedTask;
            };
        }

        await next.StartAsync();
        server = next;
    }

    /// <summary>Drops every client whose id starts with <paramref name="clientIdPrefix"/> from the broker side, as a dead network link would.</summary>
    public async Task KickAsync(string clientIdPrefix)
    {
        foreach (var client in await Running.GetClientsAsync())
        {
            if (client.Id.StartsWith(clientIdPrefix, StringComparison.Ordinal))
            {
                await client.DisconnectAsync();
            }
        }
    }

    public async Task<IReadOnlyList<MqttApplicationMessage>> RetainedAsync() => [.. await Running.GetRetainedMessagesAsync()];

    public async ValueTask DisposeAsync() => await StopAsync();

    private MqttServer Running => server ?? throw new InvalidOperationException("The broker is stopped.");
}
