using System.Security.Cryptography;
using System.Text.Json;
using Threshold.Protocol.Jws;

namespace Threshold.Protocol.Events;

/// <summary>Server-side check of a hub's event batch. Never throws on bad input; duplicates (seq) are the caller's job.</summary>
public static class BatchVerifier
{
    /// <summary>Verifies a batch of the hub <paramref name="expectedHubId"/>, whose id the batch must spell as <see cref="Topics.HubIds"/> does.</summary>
    public static BatchVerification Verify(string compactJws, ECDsa hubPublicKey, Guid expectedHubId) =>
        Verify(compactJws, hubPublicKey, Topics.HubIds.ToWire(expectedHubId));

    public static BatchVerification Verify(string compactJws, ECDsa hubPublicKey, string expectedHubId)
    {
        ArgumentNullException.ThrowIfNull(hubPublicKey);
        ArgumentException.ThrowIfNullOrEmpty(expectedHubId);

        var error = CompactJws.TryParse(compactJws, BatchToken.MaxLength, BatchToken.Type, out var parts);
        if (error is not null || parts is null)
        {
            return BatchVerification.Refused(error ?? ProtocolErrors.Malformed);
        }

        // The key comes from the hub's pairing record, so the header kid is not consulted.
        if (!CompactJws.VerifySignature(hubPublicKey, parts))
        {
            return BatchVerification.Refused(ProtocolErrors.BadSignature);
        }

        var batch = ReadBatch(parts.Payload);
        if (batch is null)
        {
            return BatchVerification.Refused(ProtocolErrors.Malformed);
        }

        return string.Equals(batch.HubId, expectedHubId, StringComparison.Ordinal)
            ? BatchVerification.Accepted(batch)
            : BatchVerification.Refused(ProtocolErrors.WrongHub);
    }

    private static EventBatch? ReadBatch(byte[] payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (!Json.IsObjectWithUniqueNames(root)
                || !Json.TryGetNonEmptyString(root, "hubId", out var hubId)
                || !Json.TryGetInt64(root, "seq", out var seq)
                || seq < 0
                || !root.TryGetProperty("events", out var events)
                || events.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            // Clone so the elements outlive the pooled document disposed below.
            var list = new List<JsonElement>(events.GetArrayLength());
            foreach (var element in events.EnumerateArray())
            {
                list.Add(element.Clone());
            }

            return new EventBatch(hubId, seq, list);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
