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

    /// <summary>
    /// Reads one line back, strictly: exactly the eight fields of <see cref="Write"/>, each of its type, no duplicate
    /// keys (a second, unhashed "data" must not ride along) and instants with their offset (a bare local time would
    /// verify differently per machine). Throws <see cref="FormatException"/> naming what is wrong.
    /// </summary>
    public static AuditRecord Parse(string line)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new FormatException("Not an audit entry: " + e.Message, e);
        }

        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Not an audit entry: a JSON object is expected.");
            }

            foreach (var property in o.EnumerateObject())
            {
                if (Array.IndexOf(Fields, property.Name) < 0)
                {
                    throw new FormatException($"Not an audit entry: '{property.Name}' is not one of its fields.");
                }
            }

            return new AuditRecord(
                Guid.TryParse(Text(o, "homeId"), out var home) ? home : throw Invalid("homeId", "a GUID"),
                Field(o, "seq") is { ValueKind: JsonValueKind.Number } seq && seq.TryGetInt64(out var n) ? n : throw Invalid("seq", "an integer"),
                Infrastructure.Instants.TryParse(Text(o, "at"), out var at) ? at : throw Invalid("at", "an ISO 8601 instant with its offset"),
                Text(o, "type"),
                Text(o, "actor"),
                Field(o, "data").GetRawText(),
                Text(o, "prevHash"),
                Text(o, "hash"));
        }
    }

    private static readonly string[] Fields = ["homeId", "seq", "at", "type", "actor", "data", "prevHash", "hash"];

    private static JsonElement Field(JsonElement o, string name) =>
        o.TryGetProperty(name, out var value) ? value : throw new FormatException($"Not an audit entry: '{name}' is missing.");

    private static string Text(JsonElement o, string name) =>
        Field(o, name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw Invalid(name, "a string");

    private static FormatException Invalid(string name, string what) => new($"Not an audit entry: '{name}' must be {what}.");
}
