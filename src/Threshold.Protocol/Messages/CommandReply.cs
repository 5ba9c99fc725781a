using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Threshold.Protocol.Messages;

/// <summary>
/// The <c>reply</c> payload, hub → server: <c>{"jti","ok","error"?,"state"?}</c>. <see cref="Error"/> is one of
/// <see cref="ProtocolErrors"/>; <see cref="State"/> is the lock state the hub saw afterwards, when it says.
/// </summary>
public sealed record CommandReply(string Jti, bool Ok, string? Error = null, string? State = null)
{
    public static CommandReply Accepted(string jti, string? state = null) => new(jti, true, null, state);

    public static CommandReply Refused(string jti, string error) => new(jti, false, error);

    /// <summary>Null when the command was carried out; otherwise the refusal code, <see cref="ProtocolErrors.Unknown"/> if unusable.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? RefusalCode => Ok ? null : Error is { Length: <= ProtocolErrors.MaxCodeLength } ? Error : ProtocolErrors.Unknown;

    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, MessagesJson.Default.CommandReply);

    /// <summary>False for anything but the documented shape (a missing or null jti included).</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out CommandReply? reply) =>
        MessagesJson.TryRead(payload, MessagesJson.Default.CommandReply, out reply) && reply.Jti.Length > 0;
}
