using Microsoft.Extensions.Time.Testing;
using Threshold.Simulator.Tests.Support;
using Xunit.Abstractions;

namespace Threshold.Simulator.Tests;

public sealed class PinCodeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SetPin_ValidCode_ConfirmsWithSaveTimestampAndPinCodeAdded()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero));
        await using var h = await Harness.StartAsync(output, port => new SimulatorOptions { MqttPort = port, ActuationDelay = TimeSpan.Zero }, clock);
        var from = h.Observer.Mark;

        await h.SetAsync("""{"pin_code":{"user":3,"user_type":"unrestricted","user_enabled":true,"pin_code":"04821"}}""");

        var reply = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "pin_code_added", from)).Json;
        Assert.Equal(3, reply.GetProperty("action_user").GetInt32());
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), reply.GetProperty("last_successful_pincode_save").GetInt64());
        Assert.Equal([new SlotState(3, true)], h.Home.GetState().Slots);
    }

    [Fact]
    public async Task TypeCode_ProgrammedCode_UnlocksWithActionUserFromKeypad()
    {
        await using var h = await Harness.StartAsync(output);
        await h.AddPinAsync(5, "12345678");
        var from = h.Observer.Mark;

        var accepted = await h.Home.TypeCodeAsync("12345678");

        Assert.True(accepted);
        var unlock = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "unlock", from)).Json;
        Assert.Equal(5, unlock.GetProperty("action_user").GetInt32());
        Assert.Equal(0, unlock.GetProperty("action_source").GetInt32());
        Assert.Equal("keypad", unlock.GetProperty("action_source_name").GetString());
        Assert.Equal("unlocked", unlock.GetProperty("lock_state").GetString());
    }

    [Fact]
    public async Task TypeCode_WrongCode_PublishesInvalidPinFailureAndStaysLocked()
    {
        await using var h = await Harness.StartAsync(output);
        await h.AddPinAsync(1, "1234");
        var from = h.Observer.Mark;

        var accepted = await h.Home.TypeCodeAsync("9999");

        Assert.False(accepted);
        var failure = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "unlock_failure_invalid_pin_or_id", from)).Json;
        Assert.Equal("keypad", failure.GetProperty("action_source_name").GetString());
        Assert.Equal("locked", failure.GetProperty("lock_state").GetString());
        Assert.Equal(BoltPosition.Locked, h.Home.GetState().Bolt);
    }

    [Fact]
    public async Task ClearPin_ProgrammedCode_CodeNoLongerOpens()
    {
        await using var h = await Harness.StartAsync(output);
        await h.AddPinAsync(2, "2468");
        var from = h.Observer.Mark;

        await h.SetAsync("""{"pin_code":{"user":2,"pin_code":null}}""");

        var cleared = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => Harness.Action(j) == "pin_code_deleted", from)).Json;
        Assert.Equal(2, cleared.GetProperty("action_user").GetInt32());
        Assert.True(cleared.GetProperty("last_successful_pincode_clear").GetInt64() > 0);
        Assert.Empty(h.Home.GetState().Slots);
        Assert.False(await h.Home.TypeCodeAsync("2468"));
    }

    [Fact]
    public async Task UserStatus_Disabled_CodeRefusedUntilEnabledAgain()
    {
        await using var h = await Harness.StartAsync(output);
        await h.AddPinAsync(4, "1357");
        var before = h.Home.InboundHandled;

        await h.SetAsync("""{"user_status":{"user":4,"status":"disabled"}}""");
        await h.DrainAsync(before, 1);

        Assert.Equal([new SlotState(4, false)], h.Home.GetState().Slots);
        Assert.False(await h.Home.TypeCodeAsync("1357"));

        await h.SetAsync("""{"user_status":{"user":4,"status":"enabled"}}""");
        await h.DrainAsync(before, 2);

        Assert.True(await h.Home.TypeCodeAsync("1357"));
    }

    [Fact]
    public async Task GetPinCode_OneUser_RepliesWithUsersStatusAndExposedPin()
    {
        await using var h = await Harness.StartAsync(output);
        await h.AddPinAsync(3, "4821");
        var from = h.Observer.Mark;

        await h.GetAsync("""{"pin_code":{"user":3}}""");

        var reply = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => j.TryGetProperty("users", out _), from)).Json;
        var user = reply.GetProperty("users").GetProperty("3");
        Assert.Equal("enabled", user.GetProperty("status").GetString());
        Assert.Equal("4821", user.GetProperty("pin_code").GetString());
        Assert.Equal("locked", reply.GetProperty("lock_state").GetString());
    }

    [Fact]
    public async Task GetPinCode_AllUsers_RepliesForEverySlot()
    {
        await using var h = await Harness.StartAsync(output, port => new SimulatorOptions { MqttPort = port, SlotCount = 5 });
        await h.AddPinAsync(2, "5555");
        var from = h.Observer.Mark;

        await h.GetAsync("""{"pin_code":{}}""");

        var users = (await h.Observer.WaitForJsonAsync(Harness.Lock, j => j.TryGetProperty("users", out _), from)).Json.GetProperty("users");
        Assert.Equal(["1", "2", "3", "4", "5"], users.EnumerateObject().Select(p => p.Name));
        Assert.Equal("available", users.GetProperty("1").GetProperty("status").GetString());
        Assert.False(users.GetProperty("1").TryGetProperty("pin_code", out _));
        Assert.Equal("5555", users.GetProperty("2").GetProperty("pin_code").GetString());
    }

    [Fact]
    public async Task SetPin_CodeUsedByAnotherSlot_RefusedLikeTheLock()
    {
        await using var h = await Harness.StartAsync(output);
        await h.AddPinAsync(1, "1111");
        var before = h.Home.InboundHandled;
        var from = h.Observer.Mark;

        await h.SetAsync("""{"pin_code":{"user":2,"pin_code":"1111"}}""");
        await h.DrainAsync(before, 1);

        Assert.Equal([new SlotState(1, true)], h.Home.GetState().Slots);
        Assert.DoesNotContain(h.Observer.Since(from), m => m.Topic == Harness.Lock && m.Payload.Contains("pin_code_added", StringComparison.Ordinal));
    }
}
