using System.Net;
using Threshold.Protocol;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Doors;

/// <summary>
/// One failure policy for every door command (Doors/DoorCommands.cs), whoever asked: when the hub does not carry a
/// command out, what the entry consumed stays consumed, the trail records the command and then its failure with the
/// hub's code, and the caller hears the same answer for the same code.
/// </summary>
public sealed class DoorFailurePolicyTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private World world = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        world = await World.CreateAsync(host);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<List<AuditLine>> TrailAsync() => host.AuditAsync(world.OwnerToken, world.HomeId);

    /// <summary>The command's record, then its failure's with the same ids and the hub's code, and nothing of it twice.</summary>
    private static void AssertCommandThenFailure(List<AuditLine> trail, string actor, string idField, Guid id, string action, string error)
    {
        var command = Assert.Single(trail, e => e.Type == "lock.command" && e.Actor == actor);
        var failure = Assert.Single(trail, e => e.Type == "lock.command_failed" && e.Actor == actor);
        Assert.True(command.Seq < failure.Seq, $"the failure is recorded after the command: {command} / {failure}");
        foreach (var line in new[] { command, failure })
        {
            Assert.Equal((id, action), (line.Id(idField), line.Text("action")));
        }

        Assert.Equal(command.Id("lockId"), failure.Id("lockId"));
        Assert.Null(command.Text("error"));
        Assert.Equal(error, failure.Text("error"));
    }

    [Fact]
    public async Task GuestAppUnlock_HubRefuses_BadGatewayEntryStaysCountedAndFailureAudited()
    {
        var guest = await host.GuestAccountAsync();
        var grant = await host.GuestGrantAsync(world.OwnerToken, world.HomeId, guest.Email, maxEntries: 3);
        host.Hub.NextResult = HubCommandResult.Failed(ProtocolErrors.ActuationFailed);

        await (await host.AppUnlockAsync(guest.Token, grant)).ProblemAsync(HttpStatusCode.BadGateway, "hub_refused");

        Assert.Equal(1, Assert.Single(await host.GrantsAsync(world.OwnerToken, world.HomeId)).GetProperty("entriesUsed").GetInt32());
        AssertCommandThenFailure(await TrailAsync(), "user:" + guest.Id, "grantId", grant, "unlock", ProtocolErrors.ActuationFailed);
    }

    [Fact]
    public async Task GuestAppUnlock_HubHoldsLockout_ForbiddenLockoutActive()
    {
        var guest = await host.GuestAccountAsync();
        var grant = await host.GuestGrantAsync(world.OwnerToken, world.HomeId, guest.Email);
        host.Hub.NextResult = HubCommandResult.Failed(ProtocolErrors.LockoutActive);

        await (await host.AppUnlockAsync(guest.Token, grant)).ProblemAsync(HttpStatusCode.Forbidden, "lockout_active");

        AssertCommandThenFailure(await TrailAsync(), "user:" + guest.Id, "grantId", grant, "unlock", ProtocolErrors.LockoutActive);
    }

    [Fact]
    public async Task ResidentRemoteLock_HubTimesOut_GatewayTimeoutAndFailureAudited()
    {
        host.Hub.NextResult = HubCommandResult.Failed(ProtocolErrors.ReplyTimeout);

        await (await host.Client(world.OwnerToken).PostAsync($"/api/v1/homes/{world.HomeId}/locks/{world.LockId}/lock", null))
            .ProblemAsync(HttpStatusCode.GatewayTimeout, "hub_timeout");

        AssertCommandThenFailure(await TrailAsync(), "user:" + world.OwnerId, "lockId", world.LockId, "lock", ProtocolErrors.ReplyTimeout);
    }

    [Fact]
    public async Task CourierUnlock_HubWentOfflineMeanwhile_ServiceUnavailableDeliveryFailedAndFailureAudited()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        // Online for the checks, gone by the time the command is sent.
        host.Hub.NextResult = HubCommandResult.Failed(ProtocolErrors.HubOffline);

        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).ProblemAsync(HttpStatusCode.ServiceUnavailable, "hub_offline");

        var delivery = await (await host.Client(world.CarrierKey).GetAsync($"/api/v1/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(("failed", "hub_hub_offline"), (delivery.GetProperty("status").GetString(), delivery.GetProperty("failureReason").GetString()));
        var trail = await TrailAsync();
        AssertCommandThenFailure(trail, "courier:" + world.CourierId, "deliveryId", world.DeliveryId, "unlock", ProtocolErrors.HubOffline);
        var failed = Assert.Single(trail, e => e.Type == "delivery.failed");
        Assert.Equal((world.DeliveryId, "hub_hub_offline"), (failed.Id("deliveryId"), failed.Text("reason")));
    }

    [Fact]
    public async Task CourierRelock_HubRefuses_BadGatewayAndDeliveryUnchanged()
    {
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        host.Hub.NextResult = HubCommandResult.Failed(ProtocolErrors.Jammed);

        await (await host.Client(world.CourierToken).PostAsync($"/api/v1/courier/deliveries/{world.DeliveryId}/lock", null))
            .ProblemAsync(HttpStatusCode.BadGateway, "hub_refused");

        // A relock has no entry to spend: the delivery waits for the door's own reports (the hub relocks, or alarms).
        var delivery = await (await host.Client(world.CarrierKey).GetAsync($"/api/v1/deliveries/{world.DeliveryId}")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("unlocked", delivery.GetProperty("status").GetString());
        var trail = await TrailAsync();
        var failure = Assert.Single(trail, e => e.Type == "lock.command_failed");
        Assert.Equal((world.DeliveryId, "lock", ProtocolErrors.Jammed), (failure.Id("deliveryId"), failure.Text("action"), failure.Text("error")));
        Assert.DoesNotContain(trail, e => e.Type == "delivery.failed");
    }
}
