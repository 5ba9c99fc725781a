using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Threshold.Protocol.Topics;
using Threshold.Server.Data;
using Threshold.Server.Tls;

namespace Threshold.Server.Hubs;

/// <summary>
/// The embedded MQTT broker. Each hub signs in with the credentials issued at pairing and may publish
/// and subscribe only under its own prefix; the server's client has its own per-start identity.
/// With <c>Tls</c> (the default) hubs are admitted only on the TLS endpoint, with the server's certificate they pinned at
/// pairing; the plain endpoint (loopback unless configured) is for the server's own client.
/// With <c>Embedded=false</c> nothing runs here and an external broker enforces the same rules.
/// </summary>
internal sealed partial class HubBroker(
    IOptions<MqttOptions> options, ServerCertificate certificate, IServiceScopeFactory scopes, ILogger<HubBroker> logger) : IHostedService
{
    private const int MaxPayloadBytes = 256 * 1024;
    private readonly ConcurrentDictionary<string, (Guid HubId, Guid HomeId)> hubClients = new();
    private MqttServer? server;

    public int Port { get; private set; } = options.Value.Port;

    /// <summary>The MQTT-over-TLS port hubs are told at pairing (null without TLS).</summary>
    public int? TlsPort { get; private set; } = options.Value.Tls ? options.Value.TlsPort : null;

    /// <summary>The fingerprint of the certificate hubs pin at pairing (null without TLS).</summary>
    public string? CertificateFingerprint => options.Value.Tls ? certificate.Fingerprint : null;

    public string ServerUsername => options.Value.Embedded ? "threshold-server" : options.Value.ServerUsername;

    /// <summary>For the embedded broker: a fresh random password each start, known only in this process.</summary>
    public string? ServerPassword { get; } = options.Value.Embedded ? Secrets.Password() : options.Value.ServerPassword;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Embedded)
        {
            return;
        }

        // Port 0 picks a free port once; a restart (tests, reconfiguration) keeps it so hubs find the broker again. Both
        // are picked together: picked one after the other, the second could be the first, just released.
        var free = new Queue<int>(FreePorts((Port == 0 ? 1 : 0) + (TlsPort == 0 ? 1 : 0)));
        Port = Port != 0 ? Port : free.Dequeue();
        var builder = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Parse(options.Value.Host))
            .WithDefaultEndpointPort(Port);
        if (TlsPort is { } tlsPort)
        {
            TlsPort = tlsPort != 0 ? tlsPort : free.Dequeue();
            builder = builder
                .WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(IPAddress.Parse(options.Value.TlsHost))
                .WithEncryptedEndpointPort(TlsPort.Value)
                .WithEncryptionCertificate(certificate.Certificate)
                .WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13);
        }

        var serverOptions = builder.Build();
        server = new MqttServerFactory().CreateMqttServer(serverOptions);
        server.ValidatingConnectionAsync += ValidateAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        server.ClientDisconnectedAsync += e =>
        {
            hubClients.TryRemove(e.ClientId, out _);
            return Task.CompletedTask;
        };
        await server.StartAsync();
        LogStarted(logger, options.Value.Host, Port);
        if (TlsPort is { } listening)
        {
            LogTlsStarted(logger, options.Value.TlsHost, listening);
        }

        if (!IPAddress.IsLoopback(IPAddress.Parse(options.Value.Host)))
        {
            LogPlainExposed(logger, options.Value.Host, Port);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (server is not null)
        {
            await server.StopAsync();
            server.Dispose();
        }
    }

    /// <summary>Drops live sessions of hubs a new pairing replaced.</summary>
    public async Task DisconnectRetiredAsync(Guid homeId, Guid currentHubId)
    {
        if (server is null)
        {
            return;
        }

        foreach (var client in await server.GetClientsAsync())
        {
            if (hubClients.TryGetValue(client.Id, out var hub) && hub.HomeId == homeId && hub.HubId != currentHubId)
            {
                await client.DisconnectAsync();
            }
        }
    }

    private async Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        if (e.UserName == ServerUsername && ServerPassword is not null && Secrets.Matches(e.Password ?? "", Secrets.Hash(ServerPassword)))
        {
            e.SessionItems["server"] = true;
            e.ReasonCode = MqttConnectReasonCode.Success;
            return;
        }

        // A hub's client id must be its user name, so one hub cannot take over another's session.
        if (HubIds.TryParseMqttUser(e.UserName, out var hubId) && e.ClientId == e.UserName)
        {
            if (TlsPort is not null && !e.IsSecureConnection)
            {
                // Its password is already on the wire; refusing keeps hubs from ever working that way.
                LogPlainHubRefused(logger, e.ClientId);
                e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            var hub = await db.Hubs.AsNoTracking().SingleOrDefaultAsync(h => h.Id == hubId);
            if (hub is not null && Secrets.Matches(e.Password ?? "", hub.MqttPasswordHash))
            {
                e.SessionItems["hub"] = hubId;
                hubClients[e.ClientId] = (hubId, hub.HomeId);
                e.ReasonCode = MqttConnectReasonCode.Success;
                return;
            }
        }

        LogRefusedConnection(logger, e.ClientId, e.UserName ?? "");
        e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        if (e.SessionItems.Contains("server"))
        {
            return Task.CompletedTask;
        }

        var topic = e.ApplicationMessage.Topic;
        var allowed = e.SessionItems["hub"] is Guid hubId
            && HubAcl.HubMayPublish(hubId, topic)
            && e.ApplicationMessage.Payload.Length <= MaxPayloadBytes;
        if (!allowed)
        {
            e.ProcessPublish = false;
            LogRefusedPublish(logger, e.ClientId, topic);
        }

        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems.Contains("server"))
        {
            return Task.CompletedTask;
        }

        var filter = e.TopicFilter.Topic;
        var allowed = e.SessionItems["hub"] is Guid hubId && HubAcl.HubMaySubscribe(hubId, filter);
        if (!allowed)
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            LogRefusedSubscription(logger, e.ClientId, filter);
        }

        return Task.CompletedTask;
    }

    /// <summary>Distinct free ports: every listener is held open until all are read.</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            Array.ForEach(listeners, l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            Array.ForEach(listeners, l => l.Dispose());
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Host}:{Port}")]
    private static partial void LogStarted(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening with TLS on {Host}:{Port}")]
    private static partial void LogTlsStarted(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded MQTT broker serves plain MQTT on {Host}:{Port}, which is not loopback: whoever is on the path sees what passes there")]
    private static partial void LogPlainExposed(ILogger logger, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection refused for hub client {ClientId}: hubs must connect over TLS")]
    private static partial void LogPlainHubRefused(ILogger logger, string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT connection refused for client {ClientId} (user {User})")]
    private static partial void LogRefusedConnection(ILogger logger, string clientId, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT publish refused: client {ClientId} may not publish to {Topic}")]
    private static partial void LogRefusedPublish(ILogger logger, string clientId, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT subscription refused: client {ClientId} may not subscribe to {Filter}")]
    private static partial void LogRefusedSubscription(ILogger logger, string clientId, string filter);
}
