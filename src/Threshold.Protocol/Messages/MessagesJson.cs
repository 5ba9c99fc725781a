using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Threshold.Protocol.Messages;

/// <summary>The MQTT payloads around the signed parts: envelopes, acks, replies and state.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    MaxDepth = 8)]
[JsonSerializable(typeof(JwsEnvelope))]
[JsonSerializable(typeof(BatchAck))]
[JsonSerializable(typeof(CommandReply))]
[JsonSerializable(typeof(HubStateReport))]
internal sealed partial class MessagesJson : JsonSerializerContext
{
    /// <summary>Never throws on bad input: anything that is not exactly the shape is false.</summary>
    public static bool TryRead<T>(ReadOnlySpan<byte> payload, JsonTypeInfo<T> type, [NotNullWhen(true)] out T? value)
        where T : class
    {
        try
        {
            value = JsonSerializer.Deserialize(payload, type);
            return value is not null;
        }
        catch (JsonException)
        {
            value = null;
            return false;
        }
    }
}
