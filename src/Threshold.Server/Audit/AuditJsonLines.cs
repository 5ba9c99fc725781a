using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Threshold.Domain.Audit;

namespace Threshold.Server.Audit;

/// <summary>
/// The export format: one JSON object per line. <c>data</c> is written raw, byte for byte as it was
/// hashed, so a verifier can recompute each hash from the file alone.
/// </summary>
internal static class AuditJsonLines
{
    public const string ContentType = "application/x-ndjson";

    public static void Write(IBufferWriter<byte> output, AuditRecord r)
    {
        using (var w = new Utf8JsonWriter(output))
        {
            w.WriteStartObject();
            w.WriteString("homeId", r.HomeId);
            w.WriteNumber("seq", r.Seq);
            w.WriteString("at", r.At.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            w.WriteString("type", r.Type);
            w.WriteString("actor", r.Actor);
            w.WritePropertyName("data");
            w.WriteRawValue(r.Data, skipInputValidation: true);
            w.WriteString("prevHash", r.PrevHash);
            w.WriteString("hash", r.Hash);
            w.WriteEndObject();
        }

        output.Write("\n"u8);
    }

    /// <summary>Reads one line back; throws <see cref="FormatException"/> when the line is not an entry.</summary>
    public static AuditRecord Parse(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            return new AuditRecord(
                o.GetProperty("homeId").GetGuid(),
                o.GetProperty("seq").GetInt64(),
                DateTimeOffset.Parse(o.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                o.GetProperty("type").GetString()!,
                o.GetProperty("actor").GetString()!,
                o.GetProperty("data").GetRawText(),
                o.GetProperty("prevHash").GetString()!,
                o.GetProperty("hash").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new FormatException("Not an audit entry: " + e.Message, e);
        }
    }
}
