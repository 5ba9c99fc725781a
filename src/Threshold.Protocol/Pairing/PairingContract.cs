using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Threshold.Protocol.Pairing;

/// <summary>
/// <c>POST /api/v1/hubs/pair</c> (docs/hub-protocol.md "Pairing"): a one-time code and the hub's two public keys
/// (SPKI, base64, P-256). The fields are nullable because the server answers a missing one with a problem naming it.
/// </summary>
public sealed record PairingRequest(string? Code, string? Name, string? SigningKey, string? SealingKey);

/// <summary>What a paired hub learns: its id, its home's locks and zone, the keys to trust, and its broker account.</summary>
public sealed record PairingResponse(
    Guid HubId,
    Guid HomeId,
    IReadOnlyList<PairedLock> Locks,
    string TimeZone,
    string Issuer,
    IReadOnlyList<ServerKey> ServerKeys,
    PairingMqtt Mqtt);

public sealed record PairedLock(Guid Id, string Name);

/// <summary>A command-signing key the hub pins: its kid and public key (SPKI, base64).</summary>
public sealed record ServerKey(string Kid, string Spki);

/// <summary>
/// The hub's broker account; <see cref="Username"/> is also its client id, <see cref="TopicPrefix"/> its only topics.
/// With <see cref="CertificateSha256"/> the hub speaks MQTT over TLS on <see cref="Port"/> and accepts only the broker
/// certificate with that <see cref="Fingerprint"/> (the pin is the trust, no CA); without it, plain MQTT, which a hub
/// accepts only to a loopback host.
/// </summary>
public sealed record PairingMqtt(
    string Host,
    int Port,
    string Username,
    string Password,
    string TopicPrefix,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CertificateSha256 = null)
{
    /// <summary>Whether the hub connects over TLS (to a pinned certificate).</summary>
    [JsonIgnore]
    public bool Tls => CertificateSha256 is not null;

    // Never the password.
    public override string ToString() => $"PairingMqtt {{ Host = {Host}, Port = {Port}, Username = {Username}, Tls = {Tls} }}";
}

/// <summary>The pairing endpoint and its refusal codes (problem <c>code</c>).</summary>
public static class PairingEndpoint
{
    public const string Path = "/api/v1/hubs/pair";

    /// <summary>400: a key is not a P-256 public key (SPKI, base64).</summary>
    public const string InvalidKey = ProtocolErrors.InvalidKey;

    /// <summary>404: the code is unknown, used or expired — indistinguishable on purpose.</summary>
    public const string InvalidCode = "invalid_code";

    /// <summary>503: the broker could not create the hub's account; pair again with a new code.</summary>
    public const string BrokerUnavailable = "broker_unavailable";
}

/// <summary>Reads and writes the pairing records as the server's API spells them (camelCase).</summary>
public static class PairingJson
{
    public static byte[] Write(PairingRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, PairingJsonContext.Default.PairingRequest);

    public static byte[] Write(PairingResponse response) => JsonSerializer.SerializeToUtf8Bytes(response, PairingJsonContext.Default.PairingResponse);

    public static bool TryRead(ReadOnlySpan<byte> json, [NotNullWhen(true)] out PairingResponse? response)
    {
        try
        {
            response = JsonSerializer.Deserialize(json, PairingJsonContext.Default.PairingResponse);
        }
        catch (JsonException)
        {
            response = null;
        }

        return response is not null;
    }

    /// <summary>Type information for HTTP clients (<c>PostAsJsonAsync</c>).</summary>
    public static JsonTypeInfo<PairingRequest> Request => PairingJsonContext.Default.PairingRequest;

    /// <summary>Type information for HTTP clients (<c>ReadFromJsonAsync</c>).</summary>
    public static JsonTypeInfo<PairingResponse> Response => PairingJsonContext.Default.PairingResponse;
}

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(PairingRequest))]
[JsonSerializable(typeof(PairingResponse))]
internal sealed partial class PairingJsonContext : JsonSerializerContext;
