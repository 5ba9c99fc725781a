using System.Text.Json;
using System.Text.RegularExpressions;

namespace Threshold.Protocol.Wire;

/// <summary>A refusal by one of our converters: its message says what the field must be.</summary>
internal sealed class WireFormatException(string message) : JsonException(message);

/// <summary>
/// Turns a serializer refusal into a reason that names the field at fault ("credentials[0].schedule.from: …") and
/// says nothing of its value (it may be a code) or of our types.
/// </summary>
internal static partial class WireErrors
{
    public static string Describe(Exception e)
    {
        var path = Field((e as JsonException)?.Path ?? PathIn(e.Message));
        var message = e.Message;
        var (field, what) = e switch
        {
            WireFormatException => (path, message),
            NotSupportedException when message.Contains("type discriminator", StringComparison.Ordinal) => (Join(path, "type"), "required"),
            _ when message.Contains("unrecognized type discriminator", StringComparison.Ordinal) => (Join(path, "type"), "not a known type"),
            _ when MissingField().Match(message) is { Success: true } m => (Join(path, m.Groups[1].Value), "required"),
            _ when message.Contains("could not be mapped", StringComparison.Ordinal) => (path, "not a field here"),
            _ when message.Contains("duplicate", StringComparison.OrdinalIgnoreCase) => (path, "appears twice"),
            _ when message.Contains("doesn't allow null", StringComparison.Ordinal) => (path, "must not be null"),
            _ when message.Contains("could not be converted", StringComparison.Ordinal) => (path, "not of the expected type"),
            _ => (path, "not JSON of the expected shape"),
        };
        return field.Length == 0 ? what : $"{field}: {what}";
    }

    // "$.credentials[0].code" → "credentials[0].code"; "$" → "".
    private static string Field(string? jsonPath) => jsonPath switch
    {
        null or "$" => "",
        _ when jsonPath.StartsWith("$.", StringComparison.Ordinal) => jsonPath[2..],
        _ => jsonPath.TrimStart('$'),
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string? PathIn(string message) => PathInMessage().Match(message) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"missing required properties including: '([A-Za-z]+)'")]
    private static partial Regex MissingField();

    [GeneratedRegex(@"Path: (\$\S*) \|")]
    private static partial Regex PathInMessage();
}
