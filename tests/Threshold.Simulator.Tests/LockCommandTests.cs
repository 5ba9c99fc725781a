using Threshold.Simulator.Tests.Support;
using Xunit.Abstractions;

namespace Threshold.Simulator.Tests;

public sealed class LockCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SetState_Unlock_PublishesUnlockedWithRfUnlockAction()
    {
        await using var h = await Harness.StartAsync(output);
        var from = h.Observer.Mark;

        await h.SetAsync("""{"state":"UNLOCK"}""");

        var state = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "unlock", from)).Json;
        Assert.Equal("unlocked", state.GetProperty("lock_state").GetString());
        Assert.Equal("UNLOCK", state.GetProperty("state").GetString());
        Assert.Equal(1, state.GetProperty("action_source").GetInt32());
        Assert.Equal("rf", state.GetProperty("action_source_name").GetString());
        Assert.Equal(BoltPosition.Unlocked, h.Home.GetState().Bolt);
    }

    [Theory]
    [InlineData("""{"state":"lock"}""")]
    [InlineData("""{"state":"Lock"}""")]
    [InlineData("LOCK")]
    public async Task SetState_LockInAnyCase_Locks(string payload)
    {
        await using var h = await Harness.StartAsync(output, port => new SimulatorOptions { MqttPort = port, InitiallyLocked = false });
        var from = h.Observer.Mark;

        await h.SetAsync(payload);

        var state = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "lock", from)).Json;
        Assert.Equal("locked", state.GetProperty("lock_state").GetString());
        Assert.Equal("LOCK", state.GetProperty("state").GetString());
    }

    [Fact]
    public async Task SetAttributeTopic_StateUnlock_Unlocks()
    {
        await using var h = await Harness.StartAsync(output);
        var from = h.Observer.Mark;

        await h.Observer.PublishAsync(Harness.Lock + "/set/state", "UNLOCK");

        await h.Observer.WaitForJsonAsync(Harness.Lock, j => j.GetProperty("lock_state").GetString() == "unlocked", from);
    }

    [Fact]
    public async Task Get_State_PublishesStateWithoutAction()
    {
        await using var h = await Harness.StartAsync(output);
        var from = h.Observer.Mark;

        await h.GetAsync("""{"state":""}""");

        var state = (await h.Observer.WaitForAsync(m => m.Topic == Harness.Lock, from)).Json;
        Assert.Equal("locked", state.GetProperty("lock_state").GetString());
        Assert.Null(Harness.Action(state));
    }

    [Fact]
    public async Task ManualTurns_ThumbTurn_PublishManualActions()
    {
        await using var h = await Harness.StartAsync(output);
        var from = h.Observer.Mark;

        await h.Home.ManualUnlockAsync();
        await h.Home.ManualLockAsync();

        var unlock = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "manual_unlock", from)).Json;
        Assert.Equal("unlocked", unlock.GetProperty("lock_state").GetString());
        Assert.Equal("manual", unlock.GetProperty("action_source_name").GetString());
        Assert.Equal(2, unlock.GetProperty("action_source").GetInt32());
        var relock = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "manual_lock", from)).Json;
        Assert.Equal("locked", relock.GetProperty("lock_state").GetString());
    }

    [Fact]
    public async Task DoorOpenThenClose_ContactSensor_PublishesFalseThenTrue()
    {
        await using var h = await Harness.StartAsync(output);
        var from = h.Observer.Mark;

        await h.Home.OpenDoorAsync();
        await h.Home.CloseDoorAsync();

        var opened = await h.Observer.WaitForJsonAsync(Harness.Contact, j => !j.GetProperty("contact").GetBoolean(), from);
        var closed = await h.Observer.WaitForJsonAsync(Harness.Contact, j => j.GetProperty("contact").GetBoolean(), from);
        Assert.True(opened.Json.GetProperty("battery").GetInt32() > 0);
        Assert.True(opened.Json.TryGetProperty("linkquality", out _));
        Assert.NotNull(closed);
        Assert.Equal(DoorPosition.Closed, h.Home.GetState().Door);
    }

    [Fact]
    public async Task OpenDoor_BoltLocked_IsAllowedForForcedDoorScenarios()
    {
        await using var h = await Harness.StartAsync(output);

        await h.Home.OpenDoorAsync();

        var state = h.Home.GetState();
        Assert.Equal(DoorPosition.Open, state.Door);
        Assert.Equal(BoltPosition.Locked, state.Bolt);
    }
}
