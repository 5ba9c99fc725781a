using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Threshold.Protocol.Jws;

/// <summary>Strict readers for claim sets: a wrong type or a duplicate name is malformed, never coerced.</summary>
internal static class Json
{
    // Duplicate names are refused so that no two parsers can disagree about which value counts.
    public static bool IsObjectWithUniqueNames(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                return false;
            }
        }

        return true;
    }

    public static bool TryGetNonEmptyString(JsonElement obj, string name, out string value)
    {
        value = string.Empty;
        if (!obj.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString() ?? string.Empty;
        return value.Length > 0;
    }

    public static bool TryGetInt64(JsonElement obj, string name, out long value)
    {
        value = 0;
        return obj.TryGetProperty(name, out var element)
            && element.ValueKind == JsonValueKind.Number
            && element.TryGetInt64(out value);
    }

    public static string NewRandomId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
