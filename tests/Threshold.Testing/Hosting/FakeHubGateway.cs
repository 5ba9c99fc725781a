using System.Collections.Concurrent;
using Threshold.Protocol.Access;
using Threshold.Server.Hubs;

namespace Threshold.Testing;

/// <summary>
/// Stands in for the MQTT gateway and a paired hub: every hub online with a live camera unless a test says otherwise
/// (<see cref="Status"/>), every command answered with <see cref="NextResult"/> at once. The figure a bench takes
/// with it therefore excludes the hub round trip. Commands are recorded unless <see cref="Record"/> is off.
/// </summary>
internal sealed class FakeHubGateway : IHubGateway
{
    private static readonly HubStatus OnlineWithCamera = new(Online: true, CameraLive: true);

    public ConcurrentDictionary<Guid, HubStatus> Status { get; } = new();

    public ConcurrentQueue<(Guid HomeId, Guid LockId, LockAction Action, string Reference)> Commands { get; } = new();

    public HubCommandResult NextResult { get; set; } = HubCommandResult.Done;

    /// <summary>Off in benches: a run of a million unlocks need not be kept.</summary>
    public bool Record { get; set; } = true;

    public Task<HubStatus> GetStatusAsync(Guid homeId, CancellationToken ct) =>
        Task.FromResult(Status.GetValueOrDefault(homeId, OnlineWithCamera));

    public Task<HubCommandResult> SendAsync(Guid homeId, Guid lockId, LockAction action, AccessReference reference, CancellationToken ct)
    {
        if (Record)
        {
            Commands.Enqueue((homeId, lockId, action, reference.ToString()));
        }

        return Task.FromResult(NextResult);
    }
}
