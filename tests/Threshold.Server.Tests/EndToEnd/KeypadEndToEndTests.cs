using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// Keypad codes end to end: the server syncs sealed credential sets, the hub programs the simulated
/// zigbee2mqtt lock and opens/closes slots on its own clock (shared fake clock), keypad use comes back
/// as signed events. Starts Tuesday 2026-11-24 08:58 in Berlin (07:58 UTC).
/// </summary>
public sealed class KeypadEndToEndTests : IAsyncLifetime
{
    private static readonly DateTimeOffset TuesdayBeforeNine = new(2026, 11, 24, 7, 58, 0, TimeSpan.Zero);
    private Stack stack = null!;

    public async Task InitializeAsync() => stack = await Stack.StartAsync(start: TuesdayBeforeNine);

    public async Task DisposeAsync() => await stack.DisposeAsync();

    private async Task<Guid> GrantAsync(object schedule, string code, int? maxEntries = null)
    {
        var created = await (await stack.Server.Client(stack.World.OwnerToken).PostAsJsonAsync($"/api/v1/homes/{stack.World.HomeId}/grants",
            new { name = "Guest " + code, kind = "guest", schedule, maxEntries, keypad = new { code } })).JsonAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetGuid();
    }

    private Task WaitSlotsAsync(int count, bool? enabled = null) => Eventually.UntilAsync(() =>
    {
        var slots = stack.Devices.GetState().Slots;
        return slots.Count == count && (enabled is null || slots.All(s => s.Enabled == enabled));
    }, $"{count} slot(s) on the lock{(enabled is null ? "" : enabled.Value ? ", enabled" : ", disabled")}", stack.Changes);

    private Task WaitAuditAsync(string what, Func<AuditLine, bool> match, int count = 1) => Eventually.UntilAsync(async () =>
        (await stack.AuditAsync()).Count(match) >= count, what, stack.Changes);

    private static bool KeypadEntryOf(AuditLine e, Guid grant) => e.Type == "access.keypad_entry" && e.Id("grantId") == grant;

    private static bool HubEvent(AuditLine e, string type) => e.Type == "hub.event" && e.Text("type") == type;

    private static bool Alarm(AuditLine e, string alarm) => e.Type == "hub.alarm" && e.Text("alarm") == alarm;

    private static bool DeviceEvent(AuditLine e, string kind) => e.Type == "device.event" && e.Text("event") == kind;

    private async Task AdvanceAsync(TimeSpan by)
    {
        // The hub's slot manager ticks each second of its clock; step so every tick sees the time pass.
        var end = stack.Server.Clock.GetUtcNow() + by;
        while (stack.Server.Clock.GetUtcNow() < end)
        {
            var step = end - stack.Server.Clock.GetUtcNow();
            stack.Server.Clock.Advance(step > TimeSpan.FromMinutes(30) ? TimeSpan.FromMinutes(30) : step);
            await Task.Yield();
        }
    }

    [Fact]
    public async Task Recurring_TuesdayNineToFive_OpensAtNineNotAt0859NorWednesday()
    {
        var weekdays = new { type = "recurring", days = new[] { "tuesday" }, from = "09:00", to = "17:00" };
        var grant = await GrantAsync(weekdays, "482139");
        await WaitSlotsAsync(1, enabled: false);

        await AdvanceAsync(TimeSpan.FromMinutes(1)); // 08:59
        Assert.False(await stack.Devices.TypeCodeAsync("482139"));

        await AdvanceAsync(TimeSpan.FromMinutes(1)); // 09:00
        await WaitSlotsAsync(1, enabled: true);
        Assert.True(await stack.Devices.TypeCodeAsync("482139"));
        await WaitAuditAsync("keypad entry of the grant", e => KeypadEntryOf(e, grant));
        await stack.Devices.ManualLockAsync();

        await AdvanceAsync(TimeSpan.FromHours(24)); // Wednesday 09:00
        await WaitSlotsAsync(1, enabled: false);
        Assert.False(await stack.Devices.TypeCodeAsync("482139"));
        await using var scope = stack.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Threshold.Server.Data.ThresholdDbContext>();
        await Eventually.UntilAsync(() => Task.FromResult(db.Credentials.AsNoTracking().Single(c => c.Id == grant).LockState == "disabled"), "status disabled from the hub's slot table", stack.Changes);
    }

    [Fact]
    public async Task Once_UsedOnce_ClearedFromTheLock()
    {
        var today = new { type = "once", from = "2026-11-24T07:00:00Z", to = "2026-11-24T20:00:00Z" };
        var grant = await GrantAsync(today, "715093");
        await WaitSlotsAsync(1, enabled: true);

        Assert.True(await stack.Devices.TypeCodeAsync("715093"));
        await WaitSlotsAsync(0);
        await WaitAuditAsync("credential_used_up", e => HubEvent(e, "credential_used_up"));
        await stack.Devices.ManualLockAsync();
        Assert.False(await stack.Devices.TypeCodeAsync("715093"));
        Assert.Single(await stack.AuditAsync(), e => KeypadEntryOf(e, grant));
    }

    [Fact]
    public async Task Revoke_RemovesTheSlotWithinSeconds()
    {
        var grant = await GrantAsync(new { type = "always" }, "630418");
        await WaitSlotsAsync(1, enabled: true);
        (await stack.Server.Client(stack.World.OwnerToken).DeleteAsync($"/api/v1/homes/{stack.World.HomeId}/grants/{grant}")).EnsureSuccessStatusCode();
        await WaitSlotsAsync(0);
        Assert.False(await stack.Devices.TypeCodeAsync("630418"));
    }

    [Fact]
    public async Task Lockout_DisablesSlotsRefusesAppUnlocksAndLiftsCleanly()
    {
        await GrantAsync(new { type = "always" }, "903172");
        await WaitSlotsAsync(1, enabled: true);
        var owner = stack.Server.Client(stack.World.OwnerToken);
        (await owner.PutAsJsonAsync($"/api/v1/homes/{stack.World.HomeId}/lockout", new { })).EnsureSuccessStatusCode();
        await WaitSlotsAsync(1, enabled: false);
        Assert.False(await stack.Devices.TypeCodeAsync("903172"));

        // A courier arriving now is refused by the server; the hub would refuse a delivery unlock too.
        var id = await stack.Server.DeliveryAsync(stack.World.CarrierKey, stack.World.HomeAccessId, stack.World.CourierId);
        await (await stack.Server.ArriveAsync(stack.World.CourierToken, id)).ProblemAsync(HttpStatusCode.Forbidden, "lockout_active");

        (await owner.DeleteAsync($"/api/v1/homes/{stack.World.HomeId}/lockout")).EnsureSuccessStatusCode();
        await WaitSlotsAsync(1, enabled: true);
        Assert.True(await stack.Devices.TypeCodeAsync("903172"));
    }

    [Fact]
    public async Task WrongCodes_LimitReached_KeypadDisabledAndAlarm()
    {
        await GrantAsync(new { type = "always" }, "558102");
        await WaitSlotsAsync(1, enabled: true);
        for (var i = 0; i < 5; i++)
        {
            Assert.False(await stack.Devices.TypeCodeAsync("000000"[..5] + i));
        }

        await WaitAuditAsync("wrong_code_limit alarm", e => Alarm(e, "wrong_code_limit"));
        await WaitSlotsAsync(1, enabled: false);
        Assert.False(await stack.Devices.TypeCodeAsync("558102"));

        await AdvanceAsync(TimeSpan.FromSeconds(301));
        await WaitSlotsAsync(1, enabled: true);
    }

    [Fact]
    public async Task DeliveryKeypad_CodeRevealedAtArrival_ClearedRightAfterUse()
    {
        var (carrierId, key) = await stack.Server.CarrierAsync("Keypad Parcel");
        var keypadPolicy = new { days = new[] { "tuesday", "wednesday" }, from = "00:00", to = "23:59", entryMethod = "keypad", cameraRequired = false };
        var access = await stack.Server.EnrolAsync(stack.World.OwnerToken, stack.World.HomeId, carrierId, keypadPolicy);
        var (courierId, courier) = await stack.Server.CourierAsync(key);
        var id = await stack.Server.DeliveryAsync(key, access, courierId);
        await WaitSlotsAsync(1, enabled: true);

        var arrived = await (await stack.Server.ArriveAsync(courier, id)).JsonAsync(HttpStatusCode.OK);
        var code = arrived.GetProperty("keypadCode").GetString()!;
        Assert.Matches("^[0-9]{8}$", code);
        await (await stack.Server.UnlockAsync(courier, id)).ProblemAsync(HttpStatusCode.Conflict, "use_keypad");

        Assert.True(await stack.Devices.TypeCodeAsync(code));
        await WaitSlotsAsync(0);
        await Eventually.UntilAsync(async () => (await (await stack.Server.Client(key).GetAsync($"/api/v1/deliveries/{id}")).JsonAsync(HttpStatusCode.OK))
            .GetProperty("status").GetString() == "unlocked", "delivery unlocked by keypad", stack.Changes);
        await stack.Devices.ManualLockAsync();
        Assert.False(await stack.Devices.TypeCodeAsync(code));
    }

    [Fact]
    public async Task HubCutOff_ScheduleStillOpensOnHubClockAndEventsArriveOnceInOrder()
    {
        var weekdays = new { type = "recurring", days = new[] { "tuesday" }, from = "09:00", to = "17:00" };
        var grant = await GrantAsync(weekdays, "274615");
        await WaitSlotsAsync(1, enabled: false);

        var broker = stack.Server.Services.GetRequiredService<HubBroker>();
        await broker.StopAsync(CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromMinutes(2)); // 09:00 — the server is out of reach
        await WaitSlotsAsync(1, enabled: true);
        Assert.True(await stack.Devices.TypeCodeAsync("274615"));
        await stack.Devices.OpenDoorAsync();
        await stack.Devices.CloseDoorAsync();
        await broker.StartAsync(CancellationToken.None);

        await WaitAuditAsync("keypad entry of the grant", e => KeypadEntryOf(e, grant));
        await WaitAuditAsync("DoorClosed", e => DeviceEvent(e, "DoorClosed"), count: 1);
        // In order, none twice: the hub's signed batches were applied as 1, 2, 3, … with no repeat and no gap.
        var audit = await stack.AuditAsync();
        var seqs = audit.Where(e => e.Type == "hub.batch").Select(e => e.Data.GetProperty("seq").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => (long)i), seqs);
        var opened = audit.FindIndex(e => DeviceEvent(e, "DoorOpened"));
        var closed = audit.FindLastIndex(e => DeviceEvent(e, "DoorClosed"));
        Assert.True(opened >= 0 && opened < closed, "the door opened, then closed");
        Assert.Single(audit, e => e.Type == "access.keypad_entry");
    }

    [Fact]
    public async Task HubCutOff_OnceStaysSingleUseWrongCodeLimitAndLockoutHold()
    {
        var today = new { type = "once", from = "2026-11-24T07:00:00Z", to = "2026-11-24T20:00:00Z" };
        var once = await GrantAsync(today, "826451");
        await GrantAsync(new { type = "always" }, "193728");
        await WaitSlotsAsync(2, enabled: true);

        var broker = stack.Server.Services.GetRequiredService<HubBroker>();
        await broker.StopAsync(CancellationToken.None);
        Assert.True(await stack.Devices.TypeCodeAsync("826451"));
        await WaitSlotsAsync(1, enabled: true);
        await stack.Devices.ManualLockAsync();
        Assert.False(await stack.Devices.TypeCodeAsync("826451"));
        for (var i = 0; i < 4; i++)
        {
            Assert.False(await stack.Devices.TypeCodeAsync("90817" + i));
        }

        await WaitSlotsAsync(1, enabled: false);
        Assert.False(await stack.Devices.TypeCodeAsync("193728"));
        await broker.StartAsync(CancellationToken.None);

        await WaitAuditAsync("wrong_code_limit alarm", e => Alarm(e, "wrong_code_limit"));
        await WaitAuditAsync("credential_used_up", e => HubEvent(e, "credential_used_up"));
        Assert.Single(await stack.AuditAsync(), e => KeypadEntryOf(e, once));

        // A lockout reached the hub before it was cut off again: it holds while the hub is alone.
        await AdvanceAsync(TimeSpan.FromSeconds(301));
        await WaitSlotsAsync(1, enabled: true);
        (await stack.Server.Client(stack.World.OwnerToken).PutAsJsonAsync($"/api/v1/homes/{stack.World.HomeId}/lockout", new { })).EnsureSuccessStatusCode();
        await WaitSlotsAsync(1, enabled: false);
        await broker.StopAsync(CancellationToken.None);
        await AdvanceAsync(TimeSpan.FromHours(2));
        Assert.False(await stack.Devices.TypeCodeAsync("193728"));
        Assert.All(stack.Devices.GetState().Slots, slot => Assert.False(slot.Enabled));
        await broker.StartAsync(CancellationToken.None);
    }

    [Fact]
    public async Task HubDatabaseLost_ResyncRebuildsWithoutStaleCodes()
    {
        var stale = await GrantAsync(new { type = "always" }, "381946");
        await GrantAsync(new { type = "always" }, "650273");
        await WaitSlotsAsync(2, enabled: true);

        await stack.StopHubAsync();
        (await stack.Server.Client(stack.World.OwnerToken).DeleteAsync($"/api/v1/homes/{stack.World.HomeId}/grants/{stale}")).EnsureSuccessStatusCode();
        File.Delete(Path.Combine(stack.HubDir, "hub.db"));
        foreach (var f in Directory.GetFiles(stack.HubDir, "hub.db-*"))
        {
            File.Delete(f);
        }

        await stack.StartHubAsync();
        await using var scope = stack.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Threshold.Server.Data.ThresholdDbContext>();
        await Eventually.UntilAsync(() => Task.FromResult(db.Credentials.AsNoTracking().Count(c => c.Active && c.LockState == "on_lock") == 1), "the rebuilt slot reported on the lock", stack.Changes);
        await WaitSlotsAsync(1, enabled: true);
        Assert.False(await stack.Devices.TypeCodeAsync("381946"));
        Assert.True(await stack.Devices.TypeCodeAsync("650273"));

        // The fresh hub database numbers its batches from 1 again; the server's ack tells it to renumber, so nothing is lost.
        await WaitAuditAsync("keypad entry of 'Guest 650273'", e => e.Type == "access.keypad_entry" && e.Text("name") == "Guest 650273");
    }
}
