using Microsoft.Extensions.Options;
using Threshold.Protocol;
using Threshold.Protocol.Access;
using Threshold.Protocol.Commands;

namespace Threshold.Server.Hubs;

/// <summary>
/// Reaches a home's hub over MQTT: liveness from its retained state, commands signed with the
/// server key that hub trusts for exactly that hub and lock, confirmed by the hub's reply.
/// </summary>
internal sealed class MqttHubGateway(
    HubDirectory directory, HubLink link, HomeBrokerReports homeBrokers, ServerSigningKey key, IOptions<MqttOptions> options, TimeProvider time)
    : IHubGateway
{
    public async Task<HubStatus> GetStatusAsync(Guid homeId, CancellationToken ct)
    {
        var hub = await directory.FindAsync(homeId, ct);
        return hub is null ? new HubStatus(false, false) : new HubStatus(hub.Online && link.IsConnected, hub.CameraLive, homeBrokers.Of(hub.Id));
    }

    public async Task<HubCommandResult> SendAsync(Guid homeId, Guid lockId, LockAction action, AccessReference reference, CancellationToken ct)
    {
        var hub = await directory.FindAsync(homeId, ct);
        if (hub is null || !hub.Online || !link.IsConnected)
        {
            return HubCommandResult.Failed(ProtocolErrors.HubOffline);
        }

        // Signed with the key this hub trusts, which is the old one until it has accepted a rotation (Hubs/KeyRotation.cs).
        if (key.SignerFor(hub.TrustedKid, time) is not { } signer)
        {
            return HubCommandResult.Failed(ProtocolErrors.UnknownKid);
        }

        var command = CommandNames.ForDoor(unlock: action == LockAction.Unlock);
        var jti = Guid.NewGuid().ToString("N");
        var jws = signer.Sign(hub.Id, lockId, command, new DoorCommandArgs(reference).ToArgs(), options.Value.CommandLifetime, jti);
        var reply = await link.RequestAsync(hub.Id, jti, jws, options.Value.CommandTimeout, ct);
        return reply.RefusalCode is { } refused ? HubCommandResult.Failed(refused) : HubCommandResult.Done;
    }
}
