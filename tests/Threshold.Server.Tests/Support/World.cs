namespace Threshold.Server.Tests.Support;

/// <summary>A home with an owner, a carrier enrolled, a courier and a delivery open now.</summary>
public sealed record World(
    Guid OwnerId, string OwnerToken, Guid HomeId, Guid LockId, Guid CarrierId, string CarrierKey,
    string HomeAccessId, Guid CourierId, string CourierToken, Guid DeliveryId)
{
    public static async Task<World> CreateAsync(ServerHost host, bool cameraRequired = true)
    {
        var (ownerId, ownerToken) = await host.ResidentAsync();
        var (homeId, lockId) = await host.HomeAsync(ownerToken);
        var (carrierId, key) = await host.CarrierAsync();
        var access = await host.EnrolAsync(ownerToken, homeId, carrierId, Api.EveryDayPolicy(cameraRequired));
        var (courierId, courierToken) = await host.CourierAsync(key);
        var deliveryId = await host.DeliveryAsync(key, access, courierId);
        return new World(ownerId, ownerToken, homeId, lockId, carrierId, key, access, courierId, courierToken, deliveryId);
    }
}
