using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Threshold.Server.Tests.Support;

/// <summary>One line of a home's audit export (<c>GET /homes/{id}/audit</c>), parsed; <see cref="Data"/> is the entry's own JSON.</summary>
public sealed record AuditLine(Guid HomeId, long Seq, DateTimeOffset At, string Type, string Actor, JsonElement Data, string PrevHash, string Hash)
{
    /// <summary>A top-level string field of <see cref="Data"/>; null when absent or not a string.</summary>
    public string? Text(string field) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>A top-level id field of <see cref="Data"/>; null when absent or not a GUID.</summary>
    public Guid? Id(string field) => Guid.TryParse(Text(field), out var id) ? id : null;

    /// <summary>A top-level boolean field of <see cref="Data"/>; null when absent or not a boolean.</summary>
    public bool? Flag(string field) =>
        Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty(field, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>Every property name and string value in the line, at any depth (for "never mentions" checks).</summary>
    public IEnumerable<string> Strings() =>
        new[] { HomeId.ToString(), Type, Actor, PrevHash, Hash }.Concat(StringsIn(Data));

    public override string ToString() => $"#{Seq} {Type} {Actor} {Data.GetRawText()}";

    private static IEnumerable<string> StringsIn(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => [e.GetString()!],
        JsonValueKind.Object => e.EnumerateObject().SelectMany(p => StringsIn(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => e.EnumerateArray().SelectMany(StringsIn),
        _ => [],
    };
}

/// <summary>Reads audit exports the way an outside verifier would: one JSON object per line, each field by name.</summary>
public static class AuditLog
{
    /// <summary>Parses JSON lines; a line that is not an audit entry fails the test, naming the line.</summary>
    public static List<AuditLine> Parse(string jsonLines) =>
        jsonLines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((line, i) => ParseLine(line, i + 1)).ToList();

    /// <summary>The home's whole trail through the public export (owners only).</summary>
    public static async Task<List<AuditLine>> AuditAsync(this ServerHost host, string ownerToken, Guid homeId)
    {
        using var client = host.Client(ownerToken);
        var response = await client.GetAsync($"/api/v1/homes/{homeId}/audit");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Audit export: expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        return Parse(text);
    }

    /// <summary>The entries, one per line, for a failure message.</summary>
    public static string Describe(IEnumerable<AuditLine> lines) => string.Join('\n', lines.Select(l => Cut(l.ToString())));

    private static AuditLine ParseLine(string line, int number)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            return new AuditLine(
                o.GetProperty("homeId").GetGuid(),
                o.GetProperty("seq").GetInt64(),
                DateTimeOffset.Parse(o.GetProperty("at").GetString()!, CultureInfo.InvariantCulture),
                o.GetProperty("type").GetString()!,
                o.GetProperty("actor").GetString()!,
                o.GetProperty("data").Clone(),
                o.GetProperty("prevHash").GetString()!,
                o.GetProperty("hash").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new Xunit.Sdk.XunitException($"Audit export line {number} is not an audit entry ({e.Message}): {Cut(line)}");
        }
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
