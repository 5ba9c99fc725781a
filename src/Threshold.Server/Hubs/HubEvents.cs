using System.Buffers;
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

    /// <summary>The field of the audit entry that says why an event was not understood.</summary>
    public const string UnrecognisedField = "unrecognised";

    /// <summary>
    /// An event of a verified batch that does not read as a known event (a newer hub's kind, or a malformed one):
    /// applied to no state, but audited as the hub sent it with <see cref="UnrecognisedField"/> set to the reason, so an
    /// alarm this server cannot read still reaches the household. The entry's size is bounded by the batch's, which the
    /// broker and the link cap at their MQTT payload limit (Hubs/HubBroker.cs, Hubs/HubLink.cs). False for anything but
    /// a JSON object: nothing a household could read, left to the caller's log.
    /// </summary>
    public async Task<bool> RecordUnrecognisedAsync(Guid homeId, JsonElement raw, string reason, string actor, CancellationToken ct)
    {
        if (raw.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var alarm = raw.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.ValueEquals(HubEventTypes.Alarm);
        await audit.AppendAsync(homeId, alarm ? AuditTypes.HubAlarm : AuditTypes.HubEvent, actor, WithReason(raw, reason), ct);
        return true;
    }

    /// <summary>The event's members as they came (the batch in the chain keeps the signed original), the reason first.</summary>
    private static JsonElement WithReason(JsonElement raw, string reason)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(UnrecognisedField, reason);
            foreach (var member in raw.EnumerateObject())
            {
                if (!member.NameEquals(UnrecognisedField))
                {
                    member.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
