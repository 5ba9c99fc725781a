using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Server.Tests.Support;
using Threshold.Simulator;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// From the seat of an attacker on the home network (issue 11), against a deliberately open home broker (the loopback
/// one admits anyone): the real hub, the simulated lock, the server and the household's audit and live feed.
/// </summary>
public sealed class UncommandedUnlockEndToEndTests : IAsyncLifetime
{
    private Stack stack = null!;

    public async Task InitializeAsync() => stack = await Stack.StartAsync();

    public async Task DisposeAsync() => await stack.DisposeAsync();

    private static bool IsAlarm(string data, string code)
    {
        using var item = JsonDocument.Parse(data);
        return item.RootElement.GetProperty("type").GetString() == "hub.alarm"
            && item.RootElement.GetProperty("data").TryGetProperty("alarm", out var alarm) && alarm.GetString() == code;
    }

    [Fact]
    public async Task RogueUnlock_OpenHomeBroker_RelockedWithin2sAlarmAuditedAndStreamed()
    {
        var bolts = new ConcurrentQueue<BoltPosition>();
        stack.Devices.StateChanged += (_, state) => bolts.Enqueue(state.Bolt);
        Assert.Equal(BoltPosition.Locked, stack.Devices.GetState().Bolt);

        using (var rogue = new MqttClientFactory().CreateMqttClient())
        {
            await rogue.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", stack.HomeBroker.Port).WithClientId("smart-tv").Build());
            await rogue.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic("zigbee2mqtt/front_door_lock/set")
                .WithPayload(Encoding.UTF8.GetBytes("""{"state":"UNLOCK"}"""))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            await rogue.DisconnectAsync();
        }

        var sincePublished = Stopwatch.StartNew();
        await Eventually.UntilAsync(() => bolts.Contains(BoltPosition.Unlocked), "the simulated lock opens", stack.Changes);
        // No clock moved: this is not the maximum-unlocked-time relock.
        await Eventually.UntilAsync(() => bolts.Contains(BoltPosition.Unlocked) && stack.Devices.GetState().Bolt == BoltPosition.Locked,
            "relocked", stack.Changes, TimeSpan.FromSeconds(2));
        Assert.True(sincePublished.Elapsed < TimeSpan.FromSeconds(2), $"relocked after {sincePublished.Elapsed}");

        await Eventually.UntilAsync(async () => (await stack.AuditAsync()).Any(e => e.Type == "hub.alarm" && e.Text("alarm") == "unlock_not_commanded"),
            "unlock_not_commanded in the audit", stack.Changes);
        await Eventually.UntilAsync(() => stack.Activity.Received.Any(d => IsAlarm(d, "unlock_not_commanded")), "unlock_not_commanded on the SSE stream", stack.Changes);
        await Eventually.UntilAsync(async () => (await stack.AuditAsync()).Any(e => e.Type == "hub.event" && e.Text("type") == "relocked" && e.Text("reason") == "unlock_not_commanded"),
            "relocked: unlock_not_commanded", stack.Changes);
        var trail = await stack.AuditAsync();
        Assert.Equal("rf", Assert.Single(trail, e => e.Type == "hub.alarm" && e.Text("alarm") == "unlock_not_commanded").Text("reason"));
        Assert.Contains(trail, e => e.Type == "device.event" && e.Text("event") == "BoltUnlocked");
    }
}
