using System.Text.Json;
using Threshold.Protocol.Events;
using Threshold.Server.Audit;

namespace Threshold.Server.Hubs;

/// <summary>
/// A feature's part in applying what a hub reports (the door's reports to its delivery, the keypad's slot reports),
/// registered with <c>AddScoped&lt;IHubEventHandler, …&gt;</c>. Runs inside the transaction that applies the hub's batch.
/// </summary>
internal interface IHubEventHandler
{
    /// <summary>True when the handler recorded the event in its own words, so it is not audited again as sent.</summary>
    Task<bool> ApplyAsync(Guid homeId, HubEvent evt, string actor, CancellationToken ct);
}

/// <summary>Records one event of a verified hub batch: each feature applies its part, the rest is audited as sent.</summary>
internal sealed class HubEventRecorder(IEnumerable<IHubEventHandler> handlers, AuditTrail audit)
{
    private readonly IHubEventHandler[] handlers = [.. handlers];

    /// <summary>Inside the caller's transaction; <paramref name="raw"/> is the event as the hub signed it.</summary>
    public async Task RecordAsync(Guid homeId, HubEvent evt, JsonElement raw, string actor, CancellationToken ct)
    {
        var recorded = false;
        foreach (var handler in handlers)
        {
            recorded |= await handler.ApplyAsync(homeId, evt, actor, ct);
        }

        if (!recorded)
        {
            await audit.AppendAsync(homeId, evt is Alarm ? AuditTypes.HubAlarm : AuditTypes.HubEvent, actor, raw, ct);
        }
    }
}
