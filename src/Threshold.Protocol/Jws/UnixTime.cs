using System.Text.Json;

namespace Threshold.Protocol.Jws;

/// <summary>NumericDate claims: integer seconds, bounded so conversion and arithmetic cannot overflow.</summary>
internal static class UnixTime
{
    private static readonly long Max = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    public static bool TryGet(JsonElement obj, string name, out long seconds) =>
        Json.TryGetInt64(obj, name, out seconds) && seconds >= 0 && seconds <= Max;

    public static DateTimeOffset ToDate(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);
}
