using MQTTnet;
using Threshold.Simulator.Tests.Support;
using Xunit.Abstractions;

namespace Threshold.Simulator.Tests;

public sealed class ConnectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task StartAsync_BrokerUp_PublishesBridgeAvailabilityAndStateLikeZigbee2mqtt()
    {
        await using var h = await Harness.StartAsync(output);

        var bridge = await h.Observer.WaitForAsync(m => m.Topic == "zigbee2mqtt/bridge/state");
        Assert.Equal("online", bridge.Str("state"));
        var lockAvailability = await h.Observer.WaitForAsync(m => m.Topic == Harness.Lock + "/availability");
        Assert.Equal("online", lockAvailability.Str("state"));
        var contactAvailability = await h.Observer.WaitForAsync(m => m.Topic == Harness.Contact + "/availability");
        Assert.Equal("online", contactAvailability.Str("state"));

        var state = (await h.Observer.WaitForAsync(m => m.Topic == Harness.Lock)).Json;
        Assert.Equal("LOCK", state.GetProperty("state").GetString());
        Assert.Equal("locked", state.GetProperty("lock_state").GetString());
        Assert.Equal(0, state.GetProperty("auto_relock_time").GetInt32());
        Assert.Equal("silent_mode", state.GetProperty("sound_volume").GetString());
        Assert.True(state.GetProperty("battery").GetInt32() > 0);
        Assert.True(state.GetProperty("linkquality").GetInt32() > 0);
        Assert.False(state.TryGetProperty("action", out _));
        var contact = (await h.Observer.WaitForAsync(m => m.Topic == Harness.Contact)).Json;
        Assert.True(contact.GetProperty("contact").GetBoolean());
    }

    [Fact]
    public async Task StartAsync_BrokerUp_RetainsBridgeAndAvailabilityButNotDeviceState()
    {
        await using var h = await Harness.StartAsync(output);

        var retained = (await h.Broker.RetainedAsync()).Select(m => m.Topic).Order().ToList();

        Assert.Equal(
            ["zigbee2mqtt/bridge/state", Harness.Contact + "/availability", Harness.Lock + "/availability"],
            retained);
    }

    [Fact]
    public async Task DisposeAsync_Connected_AnnouncesBridgeOfflineRetained()
    {
        var h = await Harness.StartAsync(output);
        await using var _ = h;
        var from = h.Observer.Mark;

        await h.Home.DisposeAsync();

        var offline = await h.Observer.WaitForAsync(m => m.Topic == "zigbee2mqtt/bridge/state" && m.Str("state") == "offline", from);
        Assert.NotNull(offline);
        var retained = await h.Broker.RetainedAsync();
        Assert.Contains(retained, m => m.Topic == "zigbee2mqtt/bridge/state" && m.ConvertPayloadToString().Contains("offline", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BrokerRestart_SimulatorConnected_ReconnectsAndRepublishesAvailabilityAndState()
    {
        await using var h = await Harness.StartAsync(output);
        await h.Broker.StopAsync();
        await h.Broker.StartAgainAsync();

        // A new broker has nothing retained: anything a new subscriber sees was published again.
        await using var observer = await TopicObserver.ConnectAsync(h.Broker.Port);
        var availability = await observer.WaitForAsync(m => m.Topic == Harness.Lock + "/availability");
        Assert.Equal("online", availability.Str("state"));
        await observer.WaitForAsync(m => m.Topic == "zigbee2mqtt/bridge/state" && m.Str("state") == "online");
        await h.Home.WaitUntilConnectedAsync().WaitAsync(TopicObserver.DefaultTimeout);

        // And it obeys commands on the new connection.
        await observer.PublishAsync(Harness.Lock + "/set", """{"state":"UNLOCK"}""");
        await observer.WaitForJsonAsync(Harness.Lock, j => j.GetProperty("lock_state").GetString() == "unlocked");
    }

    [Fact]
    public async Task ConnectionDropped_ByBroker_LastWillSaysOfflineThenReconnectSaysOnline()
    {
        await using var h = await Harness.StartAsync(output);
        var from = h.Observer.Mark;

        await h.Broker.KickAsync("threshold-sim-");

        await h.Observer.WaitForAsync(m => m.Topic == "zigbee2mqtt/bridge/state" && m.Str("state") == "offline", from);
        var back = await h.Observer.WaitForAsync(m => m.Topic == "zigbee2mqtt/bridge/state" && m.Str("state") == "online", from);
        Assert.NotNull(back);
        await h.Observer.WaitForAsync(m => m.Topic == Harness.Lock + "/availability" && m.Str("state") == "online", from);
        await h.Observer.WaitForAsync(m => m.Topic == Harness.Lock, from);
    }

    [Fact]
    public async Task StartAsync_BrokerNotYetUp_ConnectsOnceItStarts()
    {
        var broker = await LoopbackBroker.StartAsync();
        await using var _ = broker;
        await broker.StopAsync();
        await using var home = await SimulatedHome.StartAsync(Harness.Defaults(broker.Port));
        Assert.False(home.IsConnected);

        await broker.StartAgainAsync();

        await home.WaitUntilConnectedAsync().WaitAsync(TopicObserver.DefaultTimeout);
        Assert.True(home.IsConnected);
    }
}
