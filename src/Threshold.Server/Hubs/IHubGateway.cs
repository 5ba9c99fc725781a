using Threshold.Protocol.Access;

namespace Threshold.Server.Hubs;

/// <summary>The hub's liveness and camera, and what it last found of its home broker (one of <see cref="Protocol.Messages.HomeBrokerStates"/>).</summary>
internal sealed record HubStatus(bool Online, bool CameraLive, string HomeBroker = Protocol.Messages.HomeBrokerStates.Unknown);

internal enum LockAction
{
    Unlock,
    Lock,
}

/// <summary>Outcome of a command the hub was asked to carry out; Error is one of <see cref="Protocol.ProtocolErrors"/>.</summary>
internal sealed record HubCommandResult(bool Ok, string? Error)
{
    public static readonly HubCommandResult Done = new(true, null);

    public static HubCommandResult Failed(string error) => new(false, error);
}

/// <summary>
/// The server's one door to a home's hub: its liveness and the commands it must confirm.
/// The MQTT implementation signs each command for the hub; tests substitute their own.
/// </summary>
internal interface IHubGateway
{
    Task<HubStatus> GetStatusAsync(Guid homeId, CancellationToken ct);

    /// <summary>Returns once the hub confirmed the actuation, refused it, or could not be reached.</summary>
    Task<HubCommandResult> SendAsync(Guid homeId, Guid lockId, LockAction action, AccessReference reference, CancellationToken ct);
}
