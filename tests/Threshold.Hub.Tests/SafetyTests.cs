using Threshold.Hub.Zigbee;
using Threshold.Hub.Tests.Support;
using Xunit.Abstractions;

namespace Threshold.Hub.Tests;

public sealed class SafetyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Relock_AfterDoorCloses_FollowingUnlock()
    {
        await using var h = await HubHarness.StartAsync(output);
        Assert.True((await h.CommandAsync("unlock")).Ok);

        await h.Zigbee.SetDoorAsync(closed: false);
        await h.UntilAsync(s => s.Door == DoorState.Open, "door open");
        await h.Zigbee.SetDoorAsync(closed: true);
        await h.UntilAsync(s => s.Door == DoorState.Closed, "door closed");

        h.Time.Advance(TimeSpan.FromSeconds(4));
        await Never.DuringAsync(() => h.Zigbee.LockState == "locked", "relocked before 5 s");
        h.Time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.UntilAsync(() => h.Zigbee.LockState == "locked", "relocked", h.Zigbee.Changed);
        await h.Server.WaitEventAsync("relocked", "reason", "door_closed");
        await h.Server.WaitEventAsync("bolt_locked", "source", "auto");
        Assert.Empty(h.Server.Events("alarm"));
        await Eventually.UntilAsync(() => h.Server.States.LastOrDefault()?.Contains("\"lock\":\"locked\"", StringComparison.Ordinal) == true, "state locked", h.Server.Changed);
    }

    [Fact]
    public async Task Relock_AfterMaxUnlockedTime_WhenDoorNeverOpens()
    {
        await using var h = await HubHarness.StartAsync(output);
        Assert.True((await h.CommandAsync("unlock")).Ok);

        h.Time.Advance(TimeSpan.FromSeconds(29));
        await Never.DuringAsync(() => h.Zigbee.LockState == "locked", "relocked before 30 s");
        h.Time.Advance(TimeSpan.FromSeconds(1));

        await Eventually.UntilAsync(() => h.Zigbee.LockState == "locked", "relocked", h.Zigbee.Changed);
        await h.Server.WaitEventAsync("relocked", "reason", "max_unlocked_time");
    }

    [Fact]
    public async Task Relock_OnStartup_WhenLockFoundUnlocked()
    {
        await using var h = await HubHarness.StartAsync(output, lockState: "unlocked");

        await Eventually.UntilAsync(() => h.Zigbee.LockState == "locked", "relocked at start-up", h.Zigbee.Changed);
        await h.Server.WaitEventAsync("relocked", "reason", "startup");
        Assert.Equal(["LOCK"], h.Zigbee.SetCommands);
    }

    [Fact]
    public async Task Relock_OnStartup_WhenHomeBrokerFirstRefusedTheDeviceSubscriptions()
    {
        // The first connection comes up deaf (its five device topics refused, as an ACL would): it is dropped and set up again.
        await using var h = await HubHarness.StartAsync(output, lockState: "unlocked", beforeHub: h =>
        {
            h.HomeBroker.RefuseSubscriptions(5);
            return Task.CompletedTask;
        });

        await Eventually.UntilAsync(() => h.Zigbee.LockState == "locked", "relocked at start-up");
        await h.Server.WaitEventAsync("relocked", "reason", "startup");
        Assert.Equal(5, h.HomeBroker.RefusedSubscriptions);
    }

    [Fact]
    public async Task KeypadUnlock_StartsSession_RelockedAfterClose_NoForcedAlarm()
    {
        await using var h = await HubHarness.StartAsync(output);

        await h.Zigbee.KeypadUnlockAsync(user: 3);
        await h.UntilAsync(s => s.Bolt == Bolt.Unlocked && s.SessionActive, "keypad session");
        await h.Zigbee.SetDoorAsync(closed: false);
        await h.UntilAsync(s => s.Door == DoorState.Open, "door open");
        await h.Zigbee.SetDoorAsync(closed: true);
        await h.UntilAsync(s => s.Door == DoorState.Closed, "door closed");
        h.Time.Advance(TimeSpan.FromSeconds(5));

        await Eventually.UntilAsync(() => h.Zigbee.LockState == "locked", "relocked", h.Zigbee.Changed);
        await h.Server.WaitEventAsync("bolt_unlocked", "source", "keypad");
        await h.Server.WaitEventAsync("relocked", "reason", "door_closed");
        Assert.Empty(h.Server.Events("alarm", "alarm", "door_forced"));
    }

    [Fact]
    public async Task DoorHeldOpen_RaisesAlarm()
    {
        await using var h = await HubHarness.StartAsync(output);
        Assert.True((await h.CommandAsync("unlock")).Ok);
        await h.Zigbee.SetDoorAsync(closed: false);
        await h.UntilAsync(s => s.Door == DoorState.Open, "door open");

        h.Time.Advance(TimeSpan.FromSeconds(59));
        await Never.DuringAsync(() => h.Server.Events("alarm", "alarm", "door_held_open").Length > 0, "alarm before 60 s");
        h.Time.Advance(TimeSpan.FromSeconds(1));

        await h.Server.WaitEventAsync("alarm", "alarm", "door_held_open");
        // The bolt is not thrown into an open door.
        Assert.Equal("unlocked", h.Zigbee.LockState);
    }

    [Fact]
    public async Task DoorOpenedWhileLocked_RaisesDoorForced()
    {
        await using var h = await HubHarness.StartAsync(output);

        await h.Zigbee.SetDoorAsync(closed: false);

        await h.Server.WaitEventAsync("alarm", "alarm", "door_forced");
        await h.Server.WaitEventAsync("door_opened");
    }

    [Fact]
    public async Task LockCommand_EndingNotFullyLocked_RaisesLockJammed()
    {
        await using var h = await HubHarness.StartAsync(output);
        Assert.True((await h.CommandAsync("unlock")).Ok);
        h.Zigbee.Behaviour = LockBehaviour.JamOnLock;

        var reply = await h.CommandAsync("lock");

        Assert.False(reply.Ok);
        Assert.Equal("jammed", reply.Error);
        await h.Server.WaitEventAsync("alarm", "alarm", "lock_jammed");
        await h.Server.WaitEventAsync("bolt_jammed");
        await Eventually.UntilAsync(() => h.Server.States.LastOrDefault()?.Contains("\"lock\":\"jammed\"", StringComparison.Ordinal) == true, "state jammed", h.Server.Changed);
    }

    [Fact]
    public async Task FailedRelock_RaisesRelockFailed()
    {
        await using var h = await HubHarness.StartAsync(output);
        Assert.True((await h.CommandAsync("unlock")).Ok);
        h.Zigbee.Behaviour = LockBehaviour.JamOnLock;

        h.Time.Advance(TimeSpan.FromSeconds(30));

        await h.Server.WaitEventAsync("alarm", "alarm", "relock_failed");
        await h.Server.WaitEventAsync("alarm", "alarm", "lock_jammed");
        Assert.Empty(h.Server.Events("relocked"));
    }

    [Fact]
    public async Task SilentLock_RelockTimesOut_RaisesRelockFailed()
    {
        await using var h = await HubHarness.StartAsync(output, s => s.CommandTimeoutSeconds = 0.5);
        Assert.True((await h.CommandAsync("unlock")).Ok);
        h.Zigbee.Behaviour = LockBehaviour.Silent;

        h.Time.Advance(TimeSpan.FromSeconds(30));

        await h.Server.WaitEventAsync("alarm", "alarm", "relock_failed");
    }
}
