using Microsoft.AspNetCore.Http.HttpResults;

namespace Threshold.Server.Infrastructure;

/// <summary>Small field checks for request bodies; each failure names the field.</summary>
internal static class Check
{
    public static ProblemHttpResult? Text(string? value, string field, int max, int min = 1)
    {
        if (value is null)
        {
            return Problems.Invalid("missing_field", $"'{field}' is required.", field);
        }

        if (value.Length < min || value.Length > max || value.Any(char.IsControl))
        {
            return Problems.Invalid("invalid_field", $"'{field}' must be {min}–{max} printable characters.", field);
        }

        return null;
    }

    public static ProblemHttpResult? Required<T>(T? value, string field) where T : struct =>
        value is null ? Problems.Invalid("missing_field", $"'{field}' is required.", field) : null;

    public static ProblemHttpResult? Required(object? value, string field) =>
        value is null ? Problems.Invalid("missing_field", $"'{field}' is required.", field) : null;

    /// <summary>The first failure, if any.</summary>
    public static ProblemHttpResult? First(params ProblemHttpResult?[] checks) => checks.FirstOrDefault(c => c is not null);
}

internal static class Instants
{
    /// <summary>
    /// Parses an ISO 8601 instant that states its offset ("Z" or "+01:00"): a bare local time
    /// would be read in the server's zone, which is never what a carrier in another zone meant.
    /// </summary>
    public static ProblemHttpResult? Parse(string? text, string field, out DateTimeOffset value)
    {
        value = default;
        if (text is null)
        {
            return Problems.Invalid("missing_field", $"'{field}' is required.", field);
        }

        if (!TryParse(text, out value))
        {
            return Problems.Invalid("invalid_instant", $"'{field}' must be an ISO 8601 date-time with an offset, e.g. 2026-11-23T10:00:00Z.", field);
        }

        return null;
    }

    /// <summary>True for an ISO 8601 date-time that states its offset; the one rule for every instant we accept.</summary>
    public static bool TryParse(string text, out DateTimeOffset value) => Protocol.Wire.Instants.TryParse(text, out value);
}
