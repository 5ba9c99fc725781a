using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Threshold.Server.Deliveries;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Deliveries;

public sealed class DeliveryLifecycleTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private World world = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        world = await World.CreateAsync(host);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Delivery_ArriveUnlockDoorCycleLock_CompletesAndAuditsEveryStep()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        var unlocked = await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("unlocked", unlocked.GetProperty("status").GetString());
        var command = Assert.Single(host.Hub.Commands);
        Assert.Equal((world.HomeId, world.LockId, LockAction.Unlock), (command.HomeId, command.LockId, command.Action));

        // A lock report from before the hub carried out the unlock does not count for the delivery.
        await ApplyAsync(DeviceEventKind.BoltLocked);
        Assert.Equal("unlocked", await CarrierStatusAsync());
        await ConfirmUnlockAsync();
        await ApplyAsync(DeviceEventKind.BoltUnlocked);
        await ApplyAsync(DeviceEventKind.DoorOpened);
        await ApplyAsync(DeviceEventKind.DoorClosed);
        Assert.Equal("door_closed", await CarrierStatusAsync());
        (await host.Client(world.CourierToken).PostAsync($"/api/v1/courier/deliveries/{world.DeliveryId}/lock", null)).EnsureSuccessStatusCode();
        Assert.Contains(host.Hub.Commands, c => c.Action == LockAction.Lock);
        Assert.Equal("door_closed", await CarrierStatusAsync());
        await ApplyAsync(DeviceEventKind.BoltLocked);
        Assert.Equal("completed", await CarrierStatusAsync());

        var feed = await (await host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}/events?limit=500")).JsonAsync(HttpStatusCode.OK);
        var decisions = feed.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "access.decision").ToList();
        Assert.Equal(2, decisions.Count);
        Assert.All(decisions, d => Assert.True(d.GetProperty("data").GetProperty("allowed").GetBoolean()));
        var states = feed.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "delivery.state_changed")
            .Select(e => e.GetProperty("data").GetProperty("status").GetString()).ToList();
        Assert.Equal(["arrived", "unlocked", "door_opened", "door_closed", "completed"], states);
    }

    [Fact]
    public async Task Delivery_UnlockedButDoorNeverOpened_CompletesOnRelock()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await ConfirmUnlockAsync();
        await ApplyAsync(DeviceEventKind.BoltLocked);
        Assert.Equal("completed", await CarrierStatusAsync());
    }

    [Fact]
    public async Task Delivery_LockedReportedWhileDoorOpen_NotCompletedAlarmCompletesOnLockAfterClose()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await ConfirmUnlockAsync();
        await ApplyAsync(DeviceEventKind.BoltUnlocked);
        await ApplyAsync(DeviceEventKind.DoorOpened);

        // Forged on the home broker: the bolt is still open.
        await ApplyAsync(DeviceEventKind.BoltLocked);
        Assert.Equal("door_opened", await CarrierStatusAsync());
        await ApplyAsync(DeviceEventKind.DoorClosed);
        Assert.Equal("door_closed", await CarrierStatusAsync());
        await AssertLockedWhileOpenAlarmAsync();

        // The hub's relock after the door closed.
        await ApplyAsync(DeviceEventKind.BoltLocked);
        Assert.Equal("completed", await CarrierStatusAsync());
    }

    [Fact]
    public async Task Delivery_LockedReportedWithDoorOpenedBeforeEntryConfirmed_NotCompletedAlarm()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await ApplyAsync(DeviceEventKind.DoorOpened);
        await ConfirmUnlockAsync();

        await ApplyAsync(DeviceEventKind.BoltLocked);

        Assert.Equal("unlocked", await CarrierStatusAsync());
        await AssertLockedWhileOpenAlarmAsync();
    }

    private async Task AssertLockedWhileOpenAlarmAsync()
    {
        var trail = await host.AuditAsync(world.OwnerToken, world.HomeId);
        var alarm = Assert.Single(trail, e => e.Type == "hub.alarm" && e.Text("alarm") == "locked_while_open");
        Assert.Equal(world.DeliveryId, alarm.Id("deliveryId"));
        Assert.Equal(world.LockId, alarm.Id("lockId"));
    }

    [Fact]
    public async Task Delivery_LockJammed_Fails()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await ConfirmUnlockAsync();
        await ApplyAsync(DeviceEventKind.DoorOpened);
        await ApplyAsync(DeviceEventKind.DoorClosed);
        await ApplyAsync(DeviceEventKind.BoltJammed);
        var delivery = await (await host.Client(world.CarrierKey).GetAsync($"/api/v1/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("failed", delivery.GetProperty("status").GetString());
        Assert.Equal("lock_jammed", delivery.GetProperty("failureReason").GetString());
    }

    [Fact]
    public async Task Lock_BeforeUnlock_Conflict()
    {
        await (await host.Client(world.CourierToken).PostAsync($"/api/v1/courier/deliveries/{world.DeliveryId}/lock", null))
            .ProblemAsync(HttpStatusCode.Conflict, "invalid_transition");
    }

    [Fact]
    public async Task Expiry_WindowEndedUnused_BackgroundServiceMarksExpired()
    {
        Assert.Equal("scheduled", await CarrierStatusAsync());
        host.Clock.Advance(TimeSpan.FromHours(3));
        // The expiry service ticks on the injected clock; wait for it to act on the advance.
        await Eventually.UntilAsync(async () => await CarrierStatusAsync() == "expired", "the expiry service to act", timeout: TimeSpan.FromSeconds(10));

        Assert.Equal("expired", await CarrierStatusAsync());
    }

    [Fact]
    public async Task Create_DuplicateExternalRef_Conflict()
    {
        var body = new
        {
            homeAccessId = world.HomeAccessId,
            externalRef = "same-ref",
            packages = new[] { "A" },
            window = new { start = host.Clock.GetUtcNow().ToString("O"), end = host.Clock.GetUtcNow().AddHours(1).ToString("O") },
        };
        var client = host.Client(world.CarrierKey);
        await (await client.PostAsJsonAsync("/api/v1/deliveries", body)).JsonAsync(HttpStatusCode.Created);
        await (await client.PostAsJsonAsync("/api/v1/deliveries", body)).ProblemAsync(HttpStatusCode.Conflict, "duplicate_external_ref");
    }

    [Fact]
    public async Task Create_OutsidePolicyHours_OutsidePolicy()
    {
        var (_, owner) = await host.ResidentAsync();
        var (home, _) = await host.HomeAsync(owner, "Europe/Berlin");
        var weekdays = new { days = new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }, from = "09:00", to = "17:00", entryMethod = "remote", cameraRequired = true };
        var access = await host.EnrolAsync(owner, home, world.CarrierId, weekdays);
        var client = host.Client(world.CarrierKey);

        // Tuesday 2026-11-24: 09:00–17:00 Berlin is 08:00–16:00 UTC.
        async Task<HttpResponseMessage> Create(string start, string end) => await client.PostAsJsonAsync("/api/v1/deliveries", new
        {
            homeAccessId = access,
            externalRef = Guid.NewGuid().ToString(),
            packages = new[] { "A" },
            window = new { start, end },
        });

        await (await Create("2026-11-24T10:00:00Z", "2026-11-24T16:00:00Z")).JsonAsync(HttpStatusCode.Created);
        await (await Create("2026-11-24T15:00:00Z", "2026-11-24T16:01:00Z")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "outside_policy");
        await (await Create("2026-11-28T10:00:00Z", "2026-11-28T11:00:00Z")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "outside_policy");
    }

    [Theory]
    [InlineData("every day 00:00–23:59", """{"days":["monday","tuesday","wednesday","thursday","friday","saturday","sunday"],"from":"00:00","to":"23:59"}""")]
    [InlineData("any time", """{"anyTime":true}""")]
    [InlineData("tuesday nights", """{"days":["tuesday"],"from":"22:00","to":"06:00"}""")]
    public async Task Create_WindowAcrossMidnight_AcceptedWhenThePolicyCoversIt(string name, string policyJson)
    {
        var (_, owner) = await host.ResidentAsync();
        var (home, _) = await host.HomeAsync(owner, "Europe/Berlin", name);
        var access = await host.EnrolAsync(owner, home, world.CarrierId, JsonSerializer.Deserialize<JsonElement>(policyJson));

        // Tuesday 2026-11-24 23:30 to Wednesday 00:30 in Berlin, what a carrier books every evening.
        var created = await CreateAsync(access, "2026-11-24T22:30:00Z", "2026-11-24T23:30:00Z");

        await created.JsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Create_PastTheEndOfOvernightHours_OutsidePolicy()
    {
        var (_, owner) = await host.ResidentAsync();
        var (home, _) = await host.HomeAsync(owner, "Europe/Berlin");
        var access = await host.EnrolAsync(owner, home, world.CarrierId, new { days = new[] { "tuesday" }, from = "22:00", to = "24:00" });

        // 23:30–00:30 runs past the policy's midnight end; Wednesday is not listed.
        await (await CreateAsync(access, "2026-11-24T22:30:00Z", "2026-11-24T23:30:00Z")).ProblemAsync(HttpStatusCode.UnprocessableEntity, "outside_policy");
        await (await CreateAsync(access, "2026-11-24T21:00:00Z", "2026-11-24T23:00:00Z")).JsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Enrol_EndOfDayAndAnyTime_ReadBackAsWritten()
    {
        var (_, owner) = await host.ResidentAsync();
        var (home, _) = await host.HomeAsync(owner, "Europe/Berlin");
        var (other, _) = await host.HomeAsync(owner, "Europe/Berlin", "Other");
        await host.EnrolAsync(owner, home, world.CarrierId, new { days = new[] { "friday" }, from = "18:00", to = "23:59" });
        await host.EnrolAsync(owner, other, world.CarrierId, new { anyTime = true });

        var evenings = Assert.Single((await host.Client(owner).GetFromJsonAsync<JsonElement[]>($"/api/v1/homes/{home}/carriers"))!);
        var always = Assert.Single((await host.Client(owner).GetFromJsonAsync<JsonElement[]>($"/api/v1/homes/{other}/carriers"))!);

        Assert.Equal(("18:00", "24:00", false), (evenings.GetProperty("from").GetString(), evenings.GetProperty("to").GetString(), evenings.GetProperty("anyTime").GetBoolean()));
        Assert.True(always.GetProperty("anyTime").GetBoolean());
        Assert.Equal(7, always.GetProperty("days").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"anyTime":true,"days":["monday"]}""", "policy.anyTime")]
    [InlineData("""{"anyTime":true,"from":"09:00"}""", "policy.anyTime")]
    [InlineData("""{"days":["monday"],"from":"09:00","to":"09:00"}""", "policy.to")]
    [InlineData("""{"days":["monday"],"from":"24:00","to":"09:00"}""", "policy.from")]
    [InlineData("""{"days":["monday"],"from":"09:00","to":"25:00"}""", "policy.to")]
    [InlineData("""{"anyTime":false}""", "policy.days")]
    public async Task Enrol_BadHours_InvalidPolicyNothingStored(string policyJson, string field)
    {
        var (_, owner) = await host.ResidentAsync();
        var (home, _) = await host.HomeAsync(owner, "Europe/Berlin");
        var body = new { carrierId = world.CarrierId, policy = JsonSerializer.Deserialize<JsonElement>(policyJson) };

        var problem = await (await host.Client(owner).PostAsJsonAsync($"/api/v1/homes/{home}/carriers", body)).ProblemAsync(HttpStatusCode.BadRequest, "invalid_policy");

        Assert.Contains(field, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Empty((await host.Client(owner).GetFromJsonAsync<JsonElement[]>($"/api/v1/homes/{home}/carriers"))!);
    }

    private async Task<HttpResponseMessage> CreateAsync(string homeAccessId, string start, string end) =>
        await host.Client(world.CarrierKey).PostAsJsonAsync("/api/v1/deliveries", new
        {
            homeAccessId,
            externalRef = Guid.NewGuid().ToString(),
            packages = new[] { "A" },
            window = new { start, end },
        });

    [Fact]
    public async Task Decline_AfterEntryUsed_Conflict()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        var response = await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/deliveries/{world.DeliveryId}/decline", null);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    private Task ConfirmUnlockAsync() => host.ConfirmUnlockAsync(world.HomeId, world.LockId, world.DeliveryId);

    private Task ApplyAsync(DeviceEventKind kind) => host.ReportDoorAsync(world.HomeId, world.LockId, kind);

    private async Task<string?> CarrierStatusAsync()
    {
        var delivery = await (await host.Client(world.CarrierKey).GetAsync($"/api/v1/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);
        return delivery.GetProperty("status").GetString();
    }
}
