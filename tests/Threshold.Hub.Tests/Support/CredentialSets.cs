using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threshold.Protocol.Credentials;
using Threshold.Protocol.Wire;

namespace Threshold.Hub.Tests.Support;

/// <summary>Short builders of Protocol's credential-set document (docs/hub-protocol.md "Credentials on the hub").</summary>
internal static class CredentialSets
{
    public static CredentialSetDocument Set(long version, IEnumerable<CredentialDocument> credentials, bool lockout = false, DateTimeOffset? lockoutUntil = null,
        int wrongCodeLimit = 5, int disableSeconds = 300, string timeZone = "Europe/Berlin") =>
        new(version, timeZone, new LockoutDocument(lockout, lockoutUntil), new KeypadPolicyDocument(wrongCodeLimit, disableSeconds), [.. credentials]);

    public static CredentialDocument Credential(string id, string kind, string code, ScheduleDocument schedule, int? maxEntries = null, int entriesUsed = 0) =>
        new(id, kind, code, schedule, maxEntries, entriesUsed);

    public static ScheduleDocument Always() => new AlwaysScheduleDocument();

    public static ScheduleDocument Temporary(DateTimeOffset from, DateTimeOffset to) => new TemporaryScheduleDocument(from, to);

    public static ScheduleDocument Once(DateTimeOffset from, DateTimeOffset to) => new OnceScheduleDocument(from, to);

    public static ScheduleDocument Recurring(string[] days, string from, string to) => new RecurringScheduleDocument(
        [.. days.Select(d => Enum.Parse<DayOfWeek>(d, ignoreCase: true))],
        TimeOnly.ParseExact(from, "HH:mm", CultureInfo.InvariantCulture),
        TimeOnly.ParseExact(to, "HH:mm", CultureInfo.InvariantCulture));

    /// <summary>The set as the server writes it, with one part spoiled (for sets the contract refuses).</summary>
    public static JsonObject Spoiled(CredentialSetDocument set, Action<JsonObject> spoil)
    {
        var json = JsonNode.Parse(CredentialSetJson.Write(set))!.AsObject();
        spoil(json);
        return json;
    }

    public static long Id(JsonElement e) => e.GetProperty("id").GetInt64();
}
