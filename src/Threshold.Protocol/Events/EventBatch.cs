using System.Text.Json;

namespace Threshold.Protocol.Events;

/// <summary>A numbered batch of hub events (hub → server); <see cref="Seq"/> lets the server drop duplicates.</summary>
public sealed record EventBatch(string HubId, long Seq, IReadOnlyList<JsonElement> Events);

/// <summary>Outcome of <see cref="BatchVerifier.Verify"/>: either <see cref="Batch"/> or an <see cref="Error"/> code.</summary>
public sealed record BatchVerification(bool Ok, string? Error, EventBatch? Batch)
{
    internal static BatchVerification Refused(string error) => new(false, error, null);

    internal static BatchVerification Accepted(EventBatch batch) => new(true, null, batch);
}

internal static class BatchToken
{
    public const string Type = "thr-evt+jwt";

    public const int MaxLength = 256 * 1024;
}
