using System.Buffers.Text;
using System.Text.Json;
using Threshold.Hub.Server;

namespace Threshold.Hub.Commands;

/// <summary>What can be read of a command token without trusting it.</summary>
internal static class CommandEnvelope
{
    /// <summary>Best-effort jti of a refused (unverified) token, only to address the reply.</summary>
    public static string? PeekJti(string jws)
    {
        try
        {
            var parts = jws.Split('.');
            if (parts.Length < 2 || parts[1].Length > ServerLink.MaxCommandPayloadBytes)
            {
                return null;
            }

            using var doc = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("jti", out var jti)
                && jti.ValueKind == JsonValueKind.String
                && jti.GetString() is { Length: > 0 and <= 128 } value
                ? value
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return null;
        }
    }
}
