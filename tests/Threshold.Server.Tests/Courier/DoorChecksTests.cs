using System.Net;
using System.Net.Http.Json;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Courier;

/// <summary>Every check at the door, each with its problem code, through the real HTTP pipeline.</summary>
public sealed class DoorChecksTests : IAsyncLifetime
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
    public async Task Arrive_AtTheDoorWithPackage_Arrives()
    {
        var body = await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("arrived", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Arrive_ColleagueNotAssigned_NotAssigned()
    {
        var (_, colleague) = await host.CourierAsync(world.CarrierKey);
        await (await host.ArriveAsync(colleague, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "not_assigned");
    }

    [Fact]
    public async Task ArriveAndUnlock_ColleagueOnDeclinedOrUsedStop_NotAssignedRevealsNothing()
    {
        var (_, colleague) = await host.CourierAsync(world.CarrierKey);
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(colleague, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "not_assigned");

        var declined = await host.DeliveryAsync(world.CarrierKey, world.HomeAccessId, world.CourierId);
        (await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/deliveries/{declined}/decline", null)).EnsureSuccessStatusCode();
        await (await host.ArriveAsync(colleague, declined)).ProblemAsync(HttpStatusCode.Forbidden, "not_assigned");
    }

    [Fact]
    public async Task Arrive_BeforeWindow_OutsideWindow()
    {
        var later = await host.DeliveryAsync(world.CarrierKey, world.HomeAccessId, world.CourierId, startIn: TimeSpan.FromHours(1));
        await (await host.ArriveAsync(world.CourierToken, later)).ProblemAsync(HttpStatusCode.Forbidden, "outside_window");
    }

    [Fact]
    public async Task Arrive_AfterWindowEnd_OutsideWindow()
    {
        host.Clock.Advance(TimeSpan.FromHours(3));
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "outside_window");
    }

    [Fact]
    public async Task Arrive_OneKilometreAway_OutsideGeofence()
    {
        var far = new { latitude = Api.HomeLat + 0.009, longitude = Api.HomeLon, accuracy = 5.0, packageBarcode = "PKG-1" };
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId, far)).ProblemAsync(HttpStatusCode.Forbidden, "outside_geofence");
    }

    [Fact]
    public async Task Arrive_PoorAccuracy_LocationInaccurate()
    {
        var vague = new { latitude = Api.HomeLat, longitude = Api.HomeLon, accuracy = 500.0, packageBarcode = "PKG-1" };
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId, vague)).ProblemAsync(HttpStatusCode.Forbidden, "location_inaccurate");
    }

    [Fact]
    public async Task Arrive_UnknownBarcode_PackageMismatch()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId, Api.AtTheDoor("SOMETHING-ELSE")))
            .ProblemAsync(HttpStatusCode.Forbidden, "package_mismatch");
    }

    [Fact]
    public async Task Arrive_DuringLockout_LockoutActive()
    {
        (await host.Client(world.OwnerToken).PutAsJsonAsync($"/api/v1/homes/{world.HomeId}/lockout", new { })).EnsureSuccessStatusCode();
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "lockout_active");

        (await host.Client(world.OwnerToken).DeleteAsync($"/api/v1/homes/{world.HomeId}/lockout")).EnsureSuccessStatusCode();
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unlock_LockoutStartedAfterArrival_LockoutActive()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        (await host.Client(world.OwnerToken).PutAsJsonAsync($"/api/v1/homes/{world.HomeId}/lockout", new { })).EnsureSuccessStatusCode();
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "lockout_active");
        Assert.Empty(host.Hub.Commands);
    }

    [Fact]
    public async Task Arrive_LockoutExpired_Arrives()
    {
        var until = host.Clock.GetUtcNow().AddMinutes(30).ToString("O");
        (await host.Client(world.OwnerToken).PutAsJsonAsync($"/api/v1/homes/{world.HomeId}/lockout", new { until })).EnsureSuccessStatusCode();
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "lockout_active");
        host.Clock.Advance(TimeSpan.FromMinutes(31));
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Arrive_DeclinedByResident_DeliveryDeclined()
    {
        (await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/deliveries/{world.DeliveryId}/decline", null)).EnsureSuccessStatusCode();
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "delivery_declined");
    }

    [Fact]
    public async Task Unlock_CancelledByCarrierAfterArrival_DeliveryCancelled()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        (await host.Client(world.CarrierKey).DeleteAsync($"/api/v1/deliveries/{world.DeliveryId}")).EnsureSuccessStatusCode();
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "delivery_cancelled");
    }

    [Fact]
    public async Task Arrive_HubOffline_HubOffline()
    {
        host.Hub.Status[world.HomeId] = new HubStatus(false, false);
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.ServiceUnavailable, "hub_offline");
    }

    [Fact]
    public async Task Arrive_CameraDown_CameraNotLive()
    {
        host.Hub.Status[world.HomeId] = new HubStatus(true, false);
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.ServiceUnavailable, "camera_not_live");
    }

    [Fact]
    public async Task Unlock_WithoutArrival_ArrivalRequired()
    {
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "arrival_required");
        Assert.Empty(host.Hub.Commands);
    }

    [Fact]
    public async Task Unlock_ArrivalTooOld_ArrivalRequired()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        host.Clock.Advance(TimeSpan.FromMinutes(11));
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "arrival_required");
    }

    [Fact]
    public async Task Unlock_Twice_SecondIsAlreadyUsed()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Conflict, "already_used");
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Conflict, "already_used");
        Assert.Single(host.Hub.Commands);
    }

    [Fact]
    public async Task Unlock_TwentyInParallel_ExactlyOneAllowed()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        var client = host.Client(world.CourierToken);
        using var gate = new SemaphoreSlim(0);
        var attempts = Enumerable.Range(0, 20).Select(async _ =>
        {
            await gate.WaitAsync();
            return await client.PostAsync($"/api/v1/courier/deliveries/{world.DeliveryId}/unlock", null);
        }).ToList();
        gate.Release(20);
        var responses = await Task.WhenAll(attempts);

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(19, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Single(host.Hub.Commands, c => c.Action == LockAction.Unlock);
    }

    [Fact]
    public async Task Unlock_HubRefuses_FailsAndEntryStaysUsed()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        host.Hub.NextResult = HubCommandResult.Failed("jti_replayed");
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.BadGateway, "hub_refused");

        var stop = await (await host.Client(world.CourierToken).GetAsync($"/api/v1/courier/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("failed", stop.GetProperty("status").GetString());
        host.Hub.NextResult = HubCommandResult.Done;
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.Forbidden, "outside_window");
    }
}
