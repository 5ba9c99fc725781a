using System.Text.Json;
using System.Text.Json.Serialization;
using Threshold.Protocol.Wire;

namespace Threshold.Protocol.Credentials;

/// <summary>
/// The one serializer of the credential set and the schedule document. Strict on read: unknown or repeated fields,
/// a missing field, a string where a number belongs, an instant without offset or a time with seconds are refused.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    AllowOutOfOrderMetadataProperties = true,
    MaxDepth = 16,
    Converters = [typeof(InstantConverter), typeof(LocalTimeConverter), typeof(DayNameConverter)])]
[JsonSerializable(typeof(CredentialSetDocument))]
[JsonSerializable(typeof(ScheduleDocument))]
internal sealed partial class CredentialsJson : JsonSerializerContext;
