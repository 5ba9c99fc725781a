namespace Threshold.Protocol.Topics;

/// <summary>
/// The one spelling of a hub id on the wire: the GUID in its 36-character "D" form, lower case. It is used for the
/// topic prefix, the MQTT user (and client id) <c>hub-{hubId}</c>, a command's <c>aud</c> and <c>EventBatch.HubId</c>;
/// any other spelling of the same GUID is refused rather than mapped, so no two checks can disagree about a name.
/// </summary>
public static class HubIds
{
    public const int Length = 36;
    public const string MqttUserPrefix = "hub-";

    public static string ToWire(Guid hubId) => hubId.ToString("D");

    /// <summary>True only for the exact spelling <see cref="ToWire"/> produces.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out Guid hubId)
    {
        if (text.Length == Length && Guid.TryParseExact(text, "D", out hubId) && text.SequenceEqual(ToWire(hubId)))
        {
            return true;
        }

        hubId = Guid.Empty;
        return false;
    }

    /// <summary>The hub's MQTT user name, which is also the only client id it may connect with.</summary>
    public static string MqttUser(Guid hubId) => MqttUserPrefix + ToWire(hubId);

    public static bool TryParseMqttUser(string? user, out Guid hubId)
    {
        hubId = Guid.Empty;
        return user is not null
            && user.StartsWith(MqttUserPrefix, StringComparison.Ordinal)
            && TryParse(user.AsSpan(MqttUserPrefix.Length), out hubId);
    }
}
