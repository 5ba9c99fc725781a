using System.Text.Json;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Threshold.Simulator.Tests.Support;

/// <summary>Broker + observer (subscribed before the simulator starts) + a connected simulator.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public const string Lock = "zigbee2mqtt/front_door_lock";
    public const string Contact = "zigbee2mqtt/front_door_contact";
    private readonly ILoggerFactory loggers;

    private Harness(LoopbackBroker broker, TopicObserver observer, SimulatedHome home, ILoggerFactory loggers)
    {
        Broker = broker;
        Observer = observer;
        Home = home;
        this.loggers = loggers;
    }

    public LoopbackBroker Broker { get; }

    public TopicObserver Observer { get; }

    public SimulatedHome Home { get; }

    public static async Task<Harness> StartAsync(ITestOutputHelper output, Func<int, SimulatorOptions>? options = null, TimeProvider? time = null)
    {
        var broker = await LoopbackBroker.StartAsync();
        var observer = await TopicObserver.ConnectAsync(broker.Port);
        var loggers = LoggerFactory.Create(b => b.AddProvider(new TestLog(output)).SetMinimumLevel(LogLevel.Debug));
        var home = await SimulatedHome.StartAsync(options?.Invoke(broker.Port) ?? Defaults(broker.Port), time ?? TimeProvider.System, loggers);
        var harness = new Harness(broker, observer, home, loggers);
        try
        {
            await home.WaitUntilConnectedAsync().WaitAsync(TopicObserver.DefaultTimeout);
            // The lock's state is announced last; once the observer has it, later marks see only what tests cause.
            await observer.WaitForAsync(m => m.Topic == Contact);
            await observer.WaitForAsync(m => m.Topic == Lock);
            return harness;
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
    }

    public static SimulatorOptions Defaults(int port, bool http = false) => new()
    {
        MqttPort = port,
        ActuationDelay = TimeSpan.FromMilliseconds(5),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        ControlUrl = http ? new Uri("http://127.0.0.1:0") : null,
    };

    public Task SetAsync(string json) => Observer.PublishAsync(Lock + "/set", json);

    public Task GetAsync(string json) => Observer.PublishAsync(Lock + "/get", json);

    /// <summary>Programs a PIN and waits for the lock's confirmation.</summary>
    public async Task AddPinAsync(int user, string pin)
    {
        var from = Observer.Mark;
        await SetAsync($$$"""{"pin_code":{"user":{{{user}}},"user_type":"unrestricted","user_enabled":true,"pin_code":"{{{pin}}}"}}""");
        await Observer.WaitForJsonAsync(Lock, j => Action(j) == "pin_code_added" && j.GetProperty("action_user").GetInt32() == user, from);
    }

    /// <summary>Waits until the simulator has handled everything published so far (acted on or ignored).</summary>
    public Task DrainAsync(long handledBefore, int published) =>
        Eventually.UntilAsync(() => Home.InboundHandled >= handledBefore + published, "the simulator to handle the messages", timeout: TopicObserver.DefaultTimeout);

    public static string? Action(JsonElement j) => j.TryGetProperty("action", out var a) ? a.GetString() : null;

    public async ValueTask DisposeAsync()
    {
        await Home.DisposeAsync();
        await Observer.DisposeAsync();
        await Broker.DisposeAsync();
        loggers.Dispose();
    }
}
