using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threshold.Domain.Schedules;

namespace Threshold.Server.Grants;

/// <summary>
/// The one JSON form of a schedule: in the API, in the database and in the set sent to the hub
/// (docs/hub-protocol.md): {"type":"always"} | {"type":"temporary"|"once","from","to"} |
/// {"type":"recurring","days":["tuesday"],"from":"09:00","to":"17:00"}.
/// </summary>
internal static class ScheduleJson
{
    public static JsonObject ToJson(Schedule schedule) => schedule switch
    {
        AlwaysSchedule => new JsonObject { ["type"] = "always" },
        TemporarySchedule t => new JsonObject { ["type"] = "temporary", ["from"] = Instant(t.From), ["to"] = Instant(t.To) },
        OnceSchedule o => new JsonObject { ["type"] = "once", ["from"] = Instant(o.From), ["to"] = Instant(o.To) },
        RecurringSchedule r => new JsonObject
        {
            ["type"] = "recurring",
            ["days"] = new JsonArray(r.Days.OrderBy(d => d).Select(d => (JsonNode)d.ToString().ToLowerInvariant()).ToArray()),
            ["from"] = r.Start.ToString("HH:mm", CultureInfo.InvariantCulture),
            ["to"] = r.End.ToString("HH:mm", CultureInfo.InvariantCulture),
        },
        _ => throw new InvalidOperationException("Unknown schedule type."),
    };

    public static string Serialize(Schedule schedule) => ToJson(schedule).ToJsonString();

    public static Schedule Deserialize(string json) =>
        TryParse(JsonNode.Parse(json) as JsonObject, out var schedule, out var error) ? schedule! : throw new InvalidOperationException(error);

    /// <summary>Parses client input; <paramref name="error"/> names the sub-field at fault.</summary>
    public static bool TryParse(JsonObject? o, out Schedule? schedule, out string? error)
    {
        schedule = null;
        error = null;
        try
        {
            var type = o?["type"]?.GetValue<string>();
            if (o is not null && Fields(type) is { } allowed && o.Select(p => p.Key).FirstOrDefault(k => !allowed.Contains(k)) is { } unknown)
            {
                throw new FormatException($"{unknown}: not a field of a {type} schedule");
            }

            schedule = type switch
            {
                "always" => new AlwaysSchedule(),
                "temporary" => new TemporarySchedule(ParseInstant(o!, "from"), ParseInstant(o!, "to")),
                "once" => new OnceSchedule(ParseInstant(o!, "from"), ParseInstant(o!, "to")),
                "recurring" => new RecurringSchedule(ParseDays(o!), ParseTime(o!, "from"), ParseTime(o!, "to")),
                _ => throw new FormatException("type: one of always, temporary, once, recurring"),
            };
            return true;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or Threshold.Domain.DomainException or ArgumentException)
        {
            error = e.Message;
            return false;
        }
    }

    // Unknown fields are refused, as everywhere in the API: a misspelt "form" must not silently mean "always".
    private static string[]? Fields(string? type) => type switch
    {
        "always" => ["type"],
        "temporary" or "once" => ["type", "from", "to"],
        "recurring" => ["type", "days", "from", "to"],
        _ => null,
    };

    private static string Instant(DateTimeOffset t) => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseInstant(JsonObject o, string field)
    {
        var text = o[field]?.GetValue<string>() ?? throw new FormatException($"{field}: required");
        return Infrastructure.Instants.TryParse(text, out var value)
            ? value
            : throw new FormatException($"{field}: an ISO 8601 date-time with offset");
    }

    private static TimeOnly ParseTime(JsonObject o, string field) =>
        TimeOnly.TryParseExact(o[field]?.GetValue<string>(), "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t
            : throw new FormatException($"{field}: a local time HH:mm");

    private static HashSet<DayOfWeek> ParseDays(JsonObject o)
    {
        var days = new HashSet<DayOfWeek>();
        foreach (var node in o["days"] as JsonArray ?? throw new FormatException("days: a list of day names"))
        {
            var name = node?.GetValue<string>();
            if (name is null || int.TryParse(name, out _) || !Enum.TryParse<DayOfWeek>(name, true, out var day) || !Enum.IsDefined(day))
            {
                throw new FormatException("days: day names such as \"monday\"");
            }

            days.Add(day);
        }

        return days;
    }
}
