using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Hubs;

/// <summary>What a hub finds of its home broker, as the household sees it: the home's state and the audited alarm.</summary>
public sealed class HomeBrokerStateTests
{
    [Fact]
    public async Task GetHome_HubFindsItsHomeBrokerOpen_ShowsOpenWithOneAuditedAlarm()
    {
        await using var server = await ServerHost.StartAsync(fakeHub: false);
        var world = await World.CreateAsync(server, cameraRequired: false);
        // LoopbackBroker admits anyone, as a stock zigbee2mqtt install's broker does.
        await using var homeBroker = await LoopbackBroker.StartAsync();
        Assert.Equal("unknown", (await server.GetHomeAsync(world.OwnerToken, world.HomeId)).GetProperty("homeBroker").GetString());

        await using var home = await PairedHome.StartAsync(server, world.OwnerToken, world.HomeId, homeBroker, new PairedHomeOptions
        {
            Configure = hub => hub.HomeBrokerCheck.Enabled = true,
        });

        await Eventually.UntilAsync(
            async () => (await server.GetHomeAsync(world.OwnerToken, world.HomeId)).GetProperty("homeBroker").GetString() == "open", "homeBroker open");
        await Eventually.UntilAsync(
            async () => (await server.AuditAsync(world.OwnerToken, world.HomeId)).Any(e => e.Type == "hub.alarm" && e.Text("alarm") == "home_broker_open"),
            "home_broker_open audited");
        Assert.Single(await server.AuditAsync(world.OwnerToken, world.HomeId), e => e.Type == "hub.alarm" && e.Text("alarm") == "home_broker_open");
    }
}
