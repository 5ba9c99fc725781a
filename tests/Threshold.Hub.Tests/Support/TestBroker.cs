using System.Net;
using System.Net.Sockets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Threshold.Hub.Tests.Support;

/// <summary>A real in-process MQTTnet broker on loopback; can be stopped and restarted on the same port.</summary>
public sealed class TestBroker : IAsyncDisposable
{
    private MqttServer? server;
    private int toRefuse;
    private int refused;
    private readonly HashSet<string> granted = [];

    public int Port { get; } = FreePort();

    /// <summary>Topic filters refused so far (see <see cref="RefuseSubscriptions"/>).</summary>
    public int RefusedSubscriptions => Volatile.Read(ref refused);

    /// <summary>Whether some client's subscription to <paramref name="filter"/> was granted (since this broker was created).</summary>
    public bool WasGranted(string filter)
    {
        lock (granted)
        {
            return granted.Contains(filter);
        }
    }

    /// <summary>Refuses the next <paramref name="filters"/> topic filters subscribed to, as a broker's ACL would.</summary>
    public void RefuseSubscriptions(int filters) => Volatile.Write(ref toRefuse, filters);

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
        server.InterceptingSubscriptionAsync += e =>
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
                lock (granted)
                {
                    granted.Add(e.TopicFilter.Topic);
                }
            }

            return Task.CompletedTask;
        };
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
