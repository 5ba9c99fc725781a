using System.Net;
using MQTTnet.Server;

namespace Threshold.Demo.HomeNetwork;

/// <summary>
/// Stands for the broker on the home's own network that zigbee2mqtt and the hub share. Loopback only;
/// like a default zigbee2mqtt install it has no accounts, which is why it never leaves 127.0.0.1.
/// </summary>
internal sealed class HomeNetworkBroker : IAsyncDisposable
{
    private readonly MqttServer server;

    private HomeNetworkBroker(MqttServer server, int port)
    {
        this.server = server;
        Port = port;
    }

    public int Port { get; }

    public static async Task<HomeNetworkBroker> StartAsync(int port)
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync();
        return new HomeNetworkBroker(server, port);
    }

    public async ValueTask DisposeAsync()
    {
        await server.StopAsync();
        server.Dispose();
    }
}
