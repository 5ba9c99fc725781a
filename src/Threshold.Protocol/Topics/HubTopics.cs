namespace Threshold.Protocol.Topics;

/// <summary>The five topic leaves under a hub's prefix (docs/hub-protocol.md "MQTT topics").</summary>
public enum TopicLeaf
{
    /// <summary>server → hub: a signed command.</summary>
    Cmd,

    /// <summary>hub → server: the outcome of a command.</summary>
    Reply,

    /// <summary>hub → server: a signed event batch.</summary>
    Evt,

    /// <summary>server → hub: the highest batch applied.</summary>
    Ack,

    /// <summary>hub → server, retained: liveness and what the hub sees of its lock and door.</summary>
    State,
}

/// <summary>Builds and parses the topics <c>thr/v1/hubs/{hubId}/{leaf}</c>.</summary>
public static class HubTopics
{
    public const string Root = "thr/v1/hubs/";

    public static IReadOnlyList<TopicLeaf> Leaves { get; } = [TopicLeaf.Cmd, TopicLeaf.Reply, TopicLeaf.Evt, TopicLeaf.Ack, TopicLeaf.State];

    /// <summary>"thr/v1/hubs/{hubId}/", as handed to the hub at pairing.</summary>
    public static string Prefix(Guid hubId) => Root + HubIds.ToWire(hubId) + "/";

    public static string For(Guid hubId, TopicLeaf leaf) => Prefix(hubId) + Name(leaf);

    /// <summary>The same leaf of every hub ("thr/v1/hubs/+/{leaf}"), for the server's subscriptions and broker roles.</summary>
    public static string AllHubs(TopicLeaf leaf) => Root + "+/" + Name(leaf);

    public static string Name(TopicLeaf leaf) => leaf switch
    {
        TopicLeaf.Cmd => "cmd",
        TopicLeaf.Reply => "reply",
        TopicLeaf.Evt => "evt",
        TopicLeaf.Ack => "ack",
        TopicLeaf.State => "state",
        _ => throw new ArgumentOutOfRangeException(nameof(leaf), leaf, "Not a topic leaf."),
    };

    public static bool TryParseLeaf(ReadOnlySpan<char> name, out TopicLeaf leaf)
    {
        foreach (var candidate in Leaves)
        {
            if (name.SequenceEqual(Name(candidate)))
            {
                leaf = candidate;
                return true;
            }
        }

        leaf = default;
        return false;
    }

    /// <summary>
    /// Splits "thr/v1/hubs/{hubId}/{leaf}"; false for anything else: another root, another spelling of the id,
    /// an unknown or empty leaf, extra levels or wildcards.
    /// </summary>
    public static bool TryParse(string? topic, out Guid hubId, out TopicLeaf leaf)
    {
        hubId = Guid.Empty;
        leaf = default;
        if (topic is null || !topic.StartsWith(Root, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(Root.Length);
        if (rest.Length <= HubIds.Length || rest[HubIds.Length] != '/' || !HubIds.TryParse(rest[..HubIds.Length], out var id)
            || !TryParseLeaf(rest[(HubIds.Length + 1)..], out leaf))
        {
            leaf = default;
            return false;
        }

        hubId = id;
        return true;
    }
}
