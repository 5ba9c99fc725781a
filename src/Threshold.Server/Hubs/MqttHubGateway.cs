using Microsoft.Extensions.Options;

namespace Threshold.Server.Hubs;

/// <summary>
/// Reaches a home's hub over MQTT: liveness from its retained state, commands signed with the
/// server's key for exactly that hub and lock, confirmed by the hub's reply.
/// </summary>
internal sealed class MqttHubGateway(
    HubDirectory directory, HubLink link, ServerSigningKey key, IOptions<MqttOptions> options, TimeProvider time) : IHubGateway
{
    public async Task<HubStatus> GetStatusAsync(Guid homeId, CancellationToken ct)
    {
        var hub = await directory.FindAsync(homeId, ct);
        return hub is null ? new HubStatus(false, false) : new HubStatus(hub.Online && link.IsConnected, hub.CameraLive);
    }

    public async Task<HubCommandResult> SendAsync(Guid homeId, Guid lockId, LockAction action, string reference, CancellationToken ct)
    {
        var hub = await directory.FindAsync(homeId, ct);
        if (hub is null || !hub.Online || !link.IsConnected)
        {
            return HubCommandResult.Failed("hub_offline");
        }

        var command = action == LockAction.Unlock ? "unlock" : "lock";
        var jti = Guid.NewGuid().ToString("N");
        var jws = key.Signer(time).Sign(hub.Id.ToString(), lockId.ToString(), command,
            new Dictionary<string, string> { ["reference"] = reference }, options.Value.CommandLifetime, jti);
        var reply = await link.RequestAsync(hub.Id, jti, jws, options.Value.CommandTimeout, ct);
        return reply.Ok ? HubCommandResult.Done : HubCommandResult.Failed(reply.Error ?? "unknown");
    }
}
