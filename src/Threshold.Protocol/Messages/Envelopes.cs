using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Threshold.Protocol.Messages;

/// <summary>The <c>cmd</c> and <c>evt</c> payload: <c>{"jws":"&lt;compact JWS&gt;"}</c>.</summary>
public sealed record JwsEnvelope(string Jws)
{
    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, MessagesJson.Default.JwsEnvelope);

    public static bool TryParse(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out JwsEnvelope? envelope) =>
        MessagesJson.TryRead(payload, MessagesJson.Default.JwsEnvelope, out envelope);
}

/// <summary>The <c>ack</c> payload, server → hub: <c>{"seq":N}</c> — every batch with seq ≤ N may leave the outbox.</summary>
public sealed record BatchAck(long Seq)
{
    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, MessagesJson.Default.BatchAck);

    public static bool TryParse(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out BatchAck? ack) =>
        MessagesJson.TryRead(payload, MessagesJson.Default.BatchAck, out ack) && ack.Seq >= 0;
}

/// <summary>
/// The retained <c>state</c> payload, hub → server:
/// <c>{"online":true,"lock":"locked","door":"closed","camera":false,"homeBroker":"closed"}</c>, and the last will
/// <c>{"online":false}</c> (<see cref="Offline"/>). <see cref="HomeBroker"/> is one of <see cref="HomeBrokerStates"/>;
/// absent (a hub older than the check) reads as unknown.
/// </summary>
public sealed record HubStateReport(bool Online, string? Lock = null, string? Door = null, bool? Camera = null, string? HomeBroker = null)
{
    public static HubStateReport Offline { get; } = new(false);

    /// <summary>Whether the camera is live; absent means not.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool CameraLive => Camera is true;

    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, MessagesJson.Default.HubStateReport);

    public static bool TryParse(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out HubStateReport? state) =>
        MessagesJson.TryRead(payload, MessagesJson.Default.HubStateReport, out state);
}

/// <summary>Values of <see cref="HubStateReport.Lock"/>.</summary>
public static class LockStates
{
    public const string Locked = "locked";
    public const string Unlocked = "unlocked";
    public const string Jammed = "jammed";
    public const string Unknown = "unknown";
}

/// <summary>Values of <see cref="HubStateReport.Door"/>.</summary>
public static class DoorStates
{
    public const string Open = "open";
    public const string Closed = "closed";
    public const string Unknown = "unknown";
}

/// <summary>
/// Values of <see cref="HubStateReport.HomeBroker"/>: whether the home's broker (zigbee2mqtt's) let a client other than
/// the hub in or let it command a device (src/Threshold.Hub/HomeBroker/HomeBrokerProbe.cs).
/// </summary>
public static class HomeBrokerStates
{
    public const string Open = "open";
    public const string Closed = "closed";

    /// <summary>Not checked yet, the check is off, or no check could tell.</summary>
    public const string Unknown = "unknown";

    /// <summary>A value as sent, or <see cref="Unknown"/> for anything else (absent, a newer word).</summary>
    public static string Read(string? value) => value is Open or Closed ? value : Unknown;
}
