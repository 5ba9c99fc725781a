using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Server;

namespace Threshold.Simulator.Tests.Support;

/// <summary>A real MQTTnet broker on a free loopback port; restartable on the same port.</summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private MqttServer server;

    private TestBroker(int port, MqttServer server)
    {
        Port = port;
        this.server = server;
    }

    public int Port { get; }

    public static async Task<TestBroker> StartAsync()
    {
        var port = FreePort();
        var server = Create(port);
        await server.StartAsync();
        return new TestBroker(port, server);
    }

    public async Task StopAsync()
    {
        await server.StopAsync();
        server.Dispose();
    }

    /// <summary>A fresh broker on the same port: nothing retained, every client must reconnect.</summary>
    public async Task StartAgainAsync()
    {
        server = Create(Port);
        await server.StartAsync();
    }

    /// <summary>Drops a client's connection from the broker side, as a dead network link would.</summary>
    public async Task KickAsync(string clientIdPrefix)
    {
        foreach (var client in await server.GetClientsAsync())
        {
            if (client.Id.StartsWith(clientIdPrefix, StringComparison.Ordinal))
            {
                await client.DisconnectAsync();
            }
        }
    }

    public async Task<IReadOnlyList<MqttApplicationMessage>> RetainedAsync() => [.. await server.GetRetainedMessagesAsync()];

    public async ValueTask DisposeAsync()
    {
        if (server.IsStarted)
        {
            await server.StopAsync();
        }

        server.Dispose();
    }

    private static MqttServer Create(int port) => new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
        .WithDefaultEndpoint()
        .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
        .WithDefaultEndpointPort(port)
        .WithDefaultEndpointReuseAddress()
        .Build());

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
