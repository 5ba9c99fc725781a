using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace Threshold.Hub.Tests.Support;

/// <summary>A real in-process MQTTnet broker on loopback; can be stopped and restarted on the same port.</summary>
public sealed class TestBroker : IAsyncDisposable
{
    private MqttServer? server;

    public int Port { get; } = FreePort();

    public static async Task<TestBroker> StartAsync()
    {
        var broker = new TestBroker();
        await broker.StartServerAsync();
        return broker;
    }

    public async Task StartServerAsync()
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(Port)
            .Build();
        server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync();
    }

    public async Task StopServerAsync()
    {
        if (server is not null)
        {
            await server.StopAsync();
            server.Dispose();
            server = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopServerAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
