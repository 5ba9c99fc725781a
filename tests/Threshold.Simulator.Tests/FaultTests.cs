using System.Text;
using Threshold.Simulator.Tests.Support;
using Xunit.Abstractions;

namespace Threshold.Simulator.Tests;

public sealed class FaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Jam_LockCommandWhileJammed_NotFullyLockedWithErrorJammed()
    {
        await using var h = await Harness.StartAsync(output, port => new SimulatorOptions { MqttPort = port, InitiallyLocked = false });
        await h.Home.JamAsync();
        var from = h.Observer.Mark;

        await h.SetAsync("""{"state":"LOCK"}""");

        var state = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => j.GetProperty("lock_state").GetString() == "not_fully_locked", from)).Json;
        Assert.Equal("error_jammed", state.GetProperty("door_state").GetString());
        Assert.Equal("UNLOCK", state.GetProperty("state").GetString());
        Assert.Null(Harness.Action(state));
        Assert.Equal(BoltPosition.Jammed, h.Home.GetState().Bolt);
    }

    [Fact]
    public async Task Unjam_AfterFailedLock_BoltStaysWhereItWasAndCommandsWorkAgain()
    {
        await using var h = await Harness.StartAsync(output, port => new SimulatorOptions { MqttPort = port, InitiallyLocked = false });
        await h.Home.JamAsync();
        var from = h.Observer.Mark;
        await h.SetAsync("""{"state":"LOCK"}""");
        await h.Observer.WaitForJsonAsync(Harness.Lock, j => j.GetProperty("lock_state").GetString() == "not_fully_locked", from);
        from = h.Observer.Mark;

        await h.Home.UnjamAsync();

        var restored = (await h.Observer.WaitForJsonAsync(Harness.Lock, _ => true, from)).Json;
        Assert.Equal("unlocked", restored.GetProperty("lock_state").GetString());
        Assert.Equal("closed", restored.GetProperty("door_state").GetString());
        Assert.Equal(BoltPosition.Unlocked, h.Home.GetState().Bolt);

        await h.SetAsync("""{"state":"LOCK"}""");
        await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "lock" && j.GetProperty("lock_state").GetString() == "locked", from);
    }

    [Fact]
    public async Task ManualUnlock_Jammed_ThrowsConflict()
    {
        await using var h = await Harness.StartAsync(output);
        await h.Home.JamAsync();

        var e = await Assert.ThrowsAsync<SimulatorConflictException>(() => h.Home.ManualUnlockAsync());

        Assert.Equal("bolt_jammed", e.Code);
    }

    [Fact]
    public async Task GoOffline_CommandsIgnoredAndAvailabilityOffline_UntilOnlineAgain()
    {
        await using var h = await Harness.StartAsync(output);
        var from = h.Observer.Mark;

        await h.Home.GoOfflineAsync();
        await h.Observer.WaitForAsync(m => m.Topic == Harness.Lock + "/availability" && m.Str("state") == "offline", from);
        await h.Observer.WaitForAsync(m => m.Topic == Harness.Contact + "/availability" && m.Str("state") == "offline", from);
        var before = h.Home.InboundHandled;
        await h.SetAsync("""{"state":"UNLOCK"}""");
        await h.GetAsync("""{"state":""}""");
        await h.Home.OpenDoorAsync();
        await h.DrainAsync(before, 2);

        Assert.Equal(BoltPosition.Locked, h.Home.GetState().Bolt);
        Assert.False(h.Home.GetState().Online);
        Assert.DoesNotContain(h.Observer.Since(from), m => m.Topic is Harness.Lock or Harness.Contact);

        from = h.Observer.Mark;
        await h.Home.GoOnlineAsync();

        await h.Observer.WaitForAsync(m => m.Topic == Harness.Lock + "/availability" && m.Str("state") == "online", from);
        var state = await h.Observer.WaitForJsonAsync(Harness.Lock, _ => true, from);
        Assert.Equal("locked", state.Str("lock_state"));
        // The door opened while unreachable shows up in the first report after rejoining.
        await h.Observer.WaitForJsonAsync(Harness.Contact, j => !j.GetProperty("contact").GetBoolean(), from);
    }

    public static TheoryData<string> Garbage => new()
    {
        "not json at all",
        "{\"state\":",
        "[1,2,3]",
        "42",
        "null",
        "{\"state\":42}",
        "{\"state\":\"OPEN_SESAME\"}",
        "{\"state\":{\"nested\":true}}",
        "{\"pin_code\":\"1234\"}",
        "{\"pin_code\":{\"user\":\"three\",\"pin_code\":\"1234\"}}",
        "{\"pin_code\":{\"user\":0,\"pin_code\":\"1234\"}}",
        "{\"pin_code\":{\"user\":31,\"pin_code\":\"1234\"}}",
        "{\"pin_code\":{\"user\":1.5,\"pin_code\":\"1234\"}}",
        "{\"pin_code\":{\"user\":1,\"pin_code\":\"12ab\"}}",
        "{\"pin_code\":{\"user\":1,\"pin_code\":true}}",
        "{\"pin_code\":{\"user\":1,\"pin_code\":\"12\"}}",
        "{\"pin_code\":{\"user\":1,\"pin_code\":\"1234\",\"user_type\":\"disposable\"}}",
        "{\"user_status\":{\"user\":1,\"status\":\"maybe\"}}",
        "{\"user_status\":[]}",
        "{\"brightness\":254}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Set_GarbagePayload_IgnoredAndLockUnchanged(string payload)
    {
        await using var h = await Harness.StartAsync(output);
        var before = h.Home.InboundHandled;
        var from = h.Observer.Mark;

        await h.SetAsync(payload);
        await h.DrainAsync(before, 1);

        var state = h.Home.GetState();
        Assert.Equal((BoltPosition.Locked, DoorPosition.Closed, true), (state.Bolt, state.Door, state.Online));
        Assert.Empty(state.Slots);
        Assert.DoesNotContain(h.Observer.Since(from), m => m.Topic == Harness.Lock);
    }

    [Fact]
    public async Task Set_GarbageBurstIncludingOneMegabyte_SimulatorKeepsWorking()
    {
        await using var h = await Harness.StartAsync(output);
        var big = Encoding.UTF8.GetBytes("{\"state\":\"" + new string('A', 1024 * 1024) + "\"}");
        var binary = new byte[4096];
        Random.Shared.NextBytes(binary);

        await h.Observer.PublishAsync(Harness.Lock + "/set", big);
        await h.Observer.PublishAsync(Harness.Lock + "/set", binary);
        await h.Observer.PublishAsync(Harness.Lock + "/get", binary);
        await h.Observer.PublishAsync(Harness.Contact + "/set", """{"contact":false}""");
        foreach (var payload in Garbage)
        {
            await h.SetAsync(payload);
        }

        var from = h.Observer.Mark;
        await h.SetAsync("""{"state":"UNLOCK"}""");

        await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "unlock", from);
        Assert.Equal(BoltPosition.Unlocked, h.Home.GetState().Bolt);
        Assert.Equal(DoorPosition.Closed, h.Home.GetState().Door);
        await h.AddPinAsync(1, "1234");
        Assert.True(await h.Home.TypeCodeAsync("1234"));
    }
}
