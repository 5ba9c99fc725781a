using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Testing;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// The server as the end-to-end tests run it (<see cref="ServerHost"/> with the real <c>MqttHubGateway</c>, its
/// <c>HubLink</c> connected before set-up starts), here on the system clock and logging at Warning to the console and
/// into <see cref="Logs"/>, which every hub's warnings join; plus one home broker that every simulated home shares.
/// </summary>
internal sealed class EmbeddedStack : IAsyncDisposable
{
    private EmbeddedStack(ServerHost server, LoopbackBroker homeBroker)
    {
        Server = server;
        HomeBroker = homeBroker;
    }

    public ServerHost Server { get; }
    public Uri BaseAddress => Server.BaseAddress;
    public string DataDir => Server.DataDir;
    public LoopbackBroker HomeBroker { get; }
    public HubBroker Broker => Server.Broker;
    public TestLog Logs => Server.Logs;
    public IServiceProvider Services => Server.Services;

    /// <summary>Starts the stack; the what-ifs (see <see cref="WhatIf"/>) change the server's database access, never by default.</summary>
    public static async Task<EmbeddedStack> StartAsync(int? busyTimeoutMs, bool writerGate, bool tls)
    {
        var options = ServerHostOptions.Measuring("threshold-bench-e2e", fakeHub: false, builder =>
        {
            if (busyTimeoutMs is { } ms)
            {
                builder.Services.ConfigureDbContext<ThresholdDbContext>(o => o.AddInterceptors(new WhatIf.BusyTimeout(ms)));
            }

            if (writerGate)
            {
                builder.Services.ConfigureDbContext<ThresholdDbContext>(o => o.AddInterceptors(WhatIf.WriterGate.Instance));
            }
        });
        // Hubs pair with the server's answer: over TLS (pinned) when the server offers it, plain MQTT on loopback when not.
        options.Settings!["Threshold:Mqtt:Tls"] = tls ? "true" : "false";
        var server = await ServerHost.StartAsync(options);
        return new EmbeddedStack(server, await LoopbackBroker.StartAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await HomeBroker.DisposeAsync();
        await Server.DisposeAsync();
    }
}
