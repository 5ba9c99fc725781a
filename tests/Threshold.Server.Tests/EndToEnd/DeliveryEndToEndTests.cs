using System.Net;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;
using Threshold.Simulator;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>Whole deliveries over real MQTT: server, embedded broker, hub, simulated zigbee2mqtt devices.</summary>
public sealed class DeliveryEndToEndTests : IAsyncLifetime
{
    private Stack stack = null!;

    private static bool DeviceEvent(AuditLine e, string kind) => e.Type == "device.event" && e.Text("event") == kind;

    public async Task InitializeAsync() => stack = await Stack.StartAsync();

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task Delivery_UnlockDoorCycleLock_CompletesAndLockEndsLocked()
    {
        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(BoltPosition.Unlocked, stack.Devices.GetState().Bolt);

        await stack.Devices.OpenDoorAsync();
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "door_opened", "door_opened", stack.Changes);
        await stack.Devices.CloseDoorAsync();
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "door_closed", "door_closed", stack.Changes);
        await (await stack.Server.Client(stack.World.CourierToken).PostAsync($"/api/v1/courier/deliveries/{id}/lock", null)).JsonAsync(HttpStatusCode.OK);

        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "completed", "completed", stack.Changes);
        Assert.Equal(BoltPosition.Locked, stack.Devices.GetState().Bolt);
    }

    [Fact]
    public async Task Delivery_DoorNeverOpened_HubRelocksByItselfAndCompletes()
    {
        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        stack.Server.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(BoltPosition.Unlocked, stack.Devices.GetState().Bolt);

        stack.Server.Clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.UntilAsync(() => stack.Devices.GetState().Bolt == BoltPosition.Locked, "relock", stack.Changes);
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "completed", "completed", stack.Changes);
        await Eventually.UntilAsync(async () => (await stack.AuditAsync()).Any(e => e.Type == "hub.event" && e.Text("type") == "relocked" && e.Text("reason") == "max_unlocked_time"), "relocked: max_unlocked_time", stack.Changes);
    }

    [Fact]
    public async Task Delivery_DoorHeldOpen_AlarmReachesResidents()
    {
        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        await stack.Devices.OpenDoorAsync();
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "door_opened", "door_opened", stack.Changes);

        stack.Server.Clock.Advance(TimeSpan.FromSeconds(61));
        await Eventually.UntilAsync(async () => (await stack.AuditAsync()).Any(e => e.Type == "hub.alarm" && e.Text("alarm") == "door_held_open"), "door_held_open alarm", stack.Changes);
    }

    [Fact]
    public async Task Delivery_HubRestartedMidEntry_NoEventLostNoneTwiceLockEndsLocked()
    {
        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        await stack.Devices.OpenDoorAsync();
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "door_opened", "door_opened", stack.Changes);

        await stack.StopHubAsync();
        await stack.Devices.CloseDoorAsync();
        await stack.StartHubAsync();

        // Back up, the hub finds the door closed and the bolt open with no session: it relocks (fail secure).
        await Eventually.UntilAsync(() => stack.Devices.GetState().Bolt == BoltPosition.Locked, "startup relock", stack.Changes);
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "completed", "completed", stack.Changes);
        var states = (await stack.AuditAsync()).Where(e => e.Type == "delivery.state_changed" && e.Id("deliveryId") == id).Select(e => e.Text("status")).ToList();
        Assert.Single(states, s => s == "door_opened");
        Assert.Single(states, s => s == "door_closed");
        Assert.Single(states, s => s == "completed");
    }

    [Fact]
    public async Task Delivery_HubGoesOfflineMidEntry_AlarmNamesTheDelivery()
    {
        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        await stack.Devices.OpenDoorAsync();
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "door_opened", "door_opened", stack.Changes);

        await stack.StopHubAsync();

        await Eventually.UntilAsync(
            async () => (await stack.AuditAsync()).Any(e => e.Type == "hub.alarm" && e.Text("alarm") == "hub_offline_during_delivery" && e.Id("deliveryId") == id),
            "hub_offline_during_delivery for the delivery", stack.Changes);
        Assert.Single(await stack.AuditAsync(), e => e.Type == "hub.alarm" && e.Text("alarm") == "hub_offline_during_delivery");
    }

    [Fact]
    public async Task Broker_Restarted_HubReconnectsAndOutboxDrains()
    {
        var broker = stack.Server.Services.GetRequiredService<HubBroker>();
        await broker.StopAsync(CancellationToken.None);
        await stack.Devices.OpenDoorAsync();
        await stack.Devices.CloseDoorAsync();
        await broker.StartAsync(CancellationToken.None);

        await Eventually.UntilAsync(async () =>
        {
            var audit = await stack.AuditAsync();
            return audit.Any(e => DeviceEvent(e, "DoorOpened")) && audit.Any(e => DeviceEvent(e, "DoorClosed"));
        }, "door events after broker restart", stack.Changes, TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(async () => (await stack.HomeAsync()).GetProperty("hubOnline").GetBoolean(), "hub online again");
        var opened = (await stack.AuditAsync()).Count(e => DeviceEvent(e, "DoorOpened"));
        Assert.Equal(1, opened);
    }

    [Fact]
    public async Task Server_RestartedMidEntry_EventsDuringOutageArriveOnceAndDeliveryCompletes()
    {
        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);

        var restart = stack.Server.RestartAsync();
        await stack.Devices.OpenDoorAsync();
        await stack.Devices.CloseDoorAsync();
        await restart;

        // The hub relocks 5 s (fake clock) after the door closed; its outbox carries the door events across the outage.
        try
        {
            await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "door_closed", "door_closed after restart", stack.Changes, TimeSpan.FromSeconds(30));
        }
        catch (Exception) when (Environment.GetEnvironmentVariable("THR_DEBUG") == "1")
        {
            Assert.Fail(await stack.DeliveryStatusAsync(id) + "\n" + string.Join("\n", stack.Server.Logs.Lines.Where(l => !l.StartsWith("Debug", StringComparison.Ordinal) && !l.Contains("EntityFramework", StringComparison.Ordinal) && !l.Contains("AspNetCore", StringComparison.Ordinal)).TakeLast(50)));
        }
        stack.Server.Clock.Advance(TimeSpan.FromSeconds(6));
        await Eventually.UntilAsync(async () => await stack.DeliveryStatusAsync(id) == "completed", "completed", stack.Changes);
        // From the unlock on (the hub also reported the door closed when it first started).
        var all = await stack.AuditAsync();
        var audit = all.Skip(all.FindIndex(e => e.Type == "delivery.state_changed" && e.Text("status") == "unlocked")).ToList();
        Assert.True(audit.Count(e => DeviceEvent(e, "DoorOpened") || DeviceEvent(e, "DoorClosed")) == 2, AuditLog.Describe(audit));
        Assert.Single(audit, e => DeviceEvent(e, "DoorOpened"));
        Assert.Single(audit, e => DeviceEvent(e, "DoorClosed"));
        Assert.Equal(BoltPosition.Locked, stack.Devices.GetState().Bolt);
    }
}
