using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Threshold.Protocol.Wire;

namespace Threshold.Protocol.Events;

/// <summary>
/// Reads and writes <see cref="HubEvent"/>s. Reading never throws: an unknown type, a missing field or a wrong value
/// is false with a reason (the server applies no such event: it audits it as sent, marked unrecognised, and logs it).
/// Unknown extra fields are ignored, so a hub may add to an event without breaking an older server.
/// </summary>
public static class HubEventJson
{
    public static bool TryRead(JsonElement element, [NotNullWhen(true)] out HubEvent? evt, [NotNullWhen(false)] out string? error)
    {
        evt = null;
        error = null;
        try
        {
            evt = element.ValueKind == JsonValueKind.Object ? element.Deserialize(EventsJson.Default.HubEvent) : null;
            error = evt is null ? "not an event object" : null;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            error = WireErrors.Describe(e);
        }

        return evt is not null;
    }

    /// <summary>The event with its <c>type</c>, as it goes into a batch.</summary>
    public static JsonElement ToElement(HubEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return JsonSerializer.SerializeToElement(evt, EventsJson.Default.HubEvent);
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    AllowOutOfOrderMetadataProperties = true,
    MaxDepth = 16,
    Converters = [typeof(EventInstantConverter)])]
[JsonSerializable(typeof(HubEvent))]
internal sealed partial class EventsJson : JsonSerializerContext;
