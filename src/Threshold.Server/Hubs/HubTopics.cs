namespace Threshold.Server.Hubs;

/// <summary>Topic names of docs/hub-protocol.md.</summary>
internal static class HubTopics
{
    public const string Root = "thr/v1/hubs/";

    public static string Prefix(Guid hubId) => $"{Root}{hubId}/";

    public static string Command(Guid hubId) => Prefix(hubId) + "cmd";

    public static string Ack(Guid hubId) => Prefix(hubId) + "ack";

    /// <summary>Splits "thr/v1/hubs/{id}/{leaf}"; false for anything else.</summary>
    public static bool TryParse(string topic, out Guid hubId, out string leaf)
    {
        hubId = Guid.Empty;
        leaf = "";
        if (!topic.StartsWith(Root, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(Root.Length);
        var slash = rest.IndexOf('/');
        if (slash != 36 || !Guid.TryParseExact(rest[..slash], "D", out hubId))
        {
            return false;
        }

        leaf = rest[(slash + 1)..].ToString();
        return leaf is "reply" or "evt" or "state" or "cmd" or "ack";
    }
}
