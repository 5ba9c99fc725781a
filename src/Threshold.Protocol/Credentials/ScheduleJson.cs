using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threshold.Domain;
using Threshold.Domain.Schedules;
using Threshold.Protocol.Wire;

namespace Threshold.Protocol.Credentials;

/// <summary>
/// A schedule as JSON (<see cref="ScheduleDocument"/>) wherever it appears: the credential set, the server's API and
/// its database. Parsing checks the shape and then the domain's rules, so a schedule is valid in one sense only.
/// </summary>
public static class ScheduleJson
{
    public static string Serialize(Schedule schedule) =>
        JsonSerializer.Serialize(ScheduleDocument.Of(schedule), CredentialsJson.Default.ScheduleDocument);

    public static JsonObject ToJsonObject(Schedule schedule) =>
        (JsonObject)JsonSerializer.SerializeToNode(ScheduleDocument.Of(schedule), CredentialsJson.Default.ScheduleDocument)!;

    /// <summary>For stored schedules, which were valid when written: throws <see cref="FormatException"/> if one is not.</summary>
    public static Schedule Deserialize(string json) =>
        TryParse(JsonNode.Parse(json), out var schedule, out var error) ? schedule : throw new FormatException("Stored schedule: " + error);

    /// <summary>Parses a schedule; <paramref name="error"/> names the field at fault.</summary>
    public static bool TryParse(JsonNode? node, [NotNullWhen(true)] out Schedule? schedule, [NotNullWhen(false)] out string? error)
    {
        schedule = null;
        try
        {
            var document = node is null ? null : node.Deserialize(CredentialsJson.Default.ScheduleDocument);
            error = document is null ? "a schedule object" : Check(document, out schedule);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            error = WireErrors.Describe(e);
        }

        return error is null && schedule is not null;
    }

    /// <summary>Null when the document is a valid domain schedule; otherwise why not.</summary>
    internal static string? Check(ScheduleDocument? document) => Check(document, out _);

    private static string? Check(ScheduleDocument? document, out Schedule? schedule)
    {
        schedule = null;
        if (document is null)
        {
            return "a schedule object";
        }

        try
        {
            schedule = document.ToSchedule();
            return null;
        }
        catch (DomainException e)
        {
            return e.Message;
        }
    }
}
