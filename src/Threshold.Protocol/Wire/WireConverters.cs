using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Threshold.Protocol.Wire;

/// <summary>Instants that carry their offset (<see cref="Instants"/>); the default converter would accept a bare local time.</summary>
internal sealed class InstantConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && Instants.TryParse(reader.GetString(), out var value)
            ? value
            : throw new WireFormatException("an ISO 8601 date-time with offset, e.g. 2026-11-23T10:00:00Z");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Instants.Format(value));
}

/// <summary>
/// Instants in hub events: UTC to the millisecond with "Z" ("2026-11-24T07:00:00.000Z"), the spelling hubs have always
/// sent (docs/hub-protocol.md, Events). Read like every other instant: any offset, never none.
/// </summary>
internal sealed class EventInstantConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new InstantConverter().Read(ref reader, typeToConvert, options);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}

/// <summary>A local wall-clock time as exactly "HH:mm" (no seconds: a schedule is set to the minute).</summary>
internal sealed class LocalTimeConverter : JsonConverter<TimeOnly>
{
    public const string Format = "HH:mm";

    public override TimeOnly Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
        && TimeOnly.TryParseExact(reader.GetString(), Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : throw new WireFormatException("a local time HH:mm");

    public override void Write(Utf8JsonWriter writer, TimeOnly value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString(Format, CultureInfo.InvariantCulture));
}

/// <summary>Day names ("monday" … "sunday"); written in lower case, read in any case, never as numbers.</summary>
internal sealed class DayNameConverter : JsonConverter<DayOfWeek>
{
    public override DayOfWeek Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (name is { Length: > 0 } && name.All(char.IsAsciiLetter) && Enum.TryParse<DayOfWeek>(name, ignoreCase: true, out var day))
        {
            return day;
        }

        throw new WireFormatException("day names such as \"monday\"");
    }

    public override void Write(Utf8JsonWriter writer, DayOfWeek value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Name(value));

    public static string Name(DayOfWeek day) => day.ToString().ToLowerInvariant();
}
