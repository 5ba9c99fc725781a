using System.Globalization;

namespace Threshold.Protocol.Wire;

/// <summary>
/// The one rule for an instant in the contract (and in the server's API): ISO 8601 that states its offset ("Z" or
/// "+01:00"). A bare local time would be read in whatever zone the reader runs in, which is never what the writer meant.
/// </summary>
public static class Instants
{
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        var hasOffset = text is { Length: > 10 } && (text.EndsWith('Z') || text.EndsWith('z') || text[^6] is '+' or '-');
        return hasOffset && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>Round-trip form in UTC ("2026-11-24T07:00:00.0000000+00:00").</summary>
    public static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
