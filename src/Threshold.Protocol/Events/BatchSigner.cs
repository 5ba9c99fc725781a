using System.Security.Cryptography;
using System.Text.Json;
using Threshold.Protocol.Jws;

namespace Threshold.Protocol.Events;

/// <summary>Signs event batches with the hub's own key (the private half never leaves the hub).</summary>
public sealed class BatchSigner(ECDsa hubPrivateKey, string keyId)
{
    private readonly ECDsa _key = Guard.P256(hubPrivateKey);
    private readonly string _keyId = Guard.NotEmpty(keyId);

    public string Sign(EventBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentException.ThrowIfNullOrEmpty(batch.HubId, nameof(batch));
        ArgumentOutOfRangeException.ThrowIfNegative(batch.Seq, nameof(batch));
        ArgumentNullException.ThrowIfNull(batch.Events, nameof(batch));

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("hubId", batch.HubId);
            writer.WriteNumber("seq", batch.Seq);
            writer.WriteStartArray("events");
            foreach (var element in batch.Events)
            {
                element.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        // Refuse here rather than emit a batch every server would reject as oversized.
        var token = CompactJws.Sign(_key, _keyId, BatchToken.Type, stream.ToArray());
        if (token.Length > BatchToken.MaxLength)
        {
            throw new ProtocolException(ProtocolErrors.Malformed, "Event batch exceeds 256 KiB; split it.");
        }

        return token;
    }
}
