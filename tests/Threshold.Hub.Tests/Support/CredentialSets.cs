using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Threshold.Hub.Tests.Support;

/// <summary>Builds credential-set plaintexts exactly as docs/hub-protocol.md documents them.</summary>
internal static class CredentialSets
{
    public static JsonObject Set(long version, IEnumerable<JsonObject> credentials, bool lockout = false, DateTimeOffset? lockoutUntil = null,
        int wrongCodeLimit = 5, int disableSeconds = 300, string timeZone = "Europe/Berlin") => new()
    {
        ["version"] = version,
        ["timeZone"] = timeZone,
        ["lockout"] = new JsonObject { ["active"] = lockout, ["until"] = lockoutUntil is { } u ? Iso(u) : null },
        ["keypad"] = new JsonObject { ["wrongCodeLimit"] = wrongCodeLimit, ["disableSeconds"] = disableSeconds },
        ["credentials"] = new JsonArray([.. credentials]),
    };

    public static JsonObject Credential(string id, string kind, string code, JsonObject schedule, int? maxEntries = null, int entriesUsed = 0) => new()
    {
        ["id"] = id,
        ["kind"] = kind,
        ["code"] = code,
        ["schedule"] = schedule,
        ["maxEntries"] = maxEntries,
        ["entriesUsed"] = entriesUsed,
    };

    public static JsonObject Always() => new() { ["type"] = "always" };

    public static JsonObject Temporary(DateTimeOffset from, DateTimeOffset to) => new() { ["type"] = "temporary", ["from"] = Iso(from), ["to"] = Iso(to) };

    public static JsonObject Once(DateTimeOffset from, DateTimeOffset to) => new() { ["type"] = "once", ["from"] = Iso(from), ["to"] = Iso(to) };

    public static JsonObject Recurring(string[] days, string from, string to) => new()
    {
        ["type"] = "recurring",
        ["days"] = new JsonArray([.. days.Select(d => (JsonNode)d)]),
        ["from"] = from,
        ["to"] = to,
    };

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static long Id(JsonElement e) => e.GetProperty("id").GetInt64();
}
