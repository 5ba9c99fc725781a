namespace Threshold.Protocol.Topics;

/// <summary>
/// What a hub's MQTT identity may do: publish <c>reply</c>, <c>evt</c> and <c>state</c> and subscribe to <c>cmd</c> and
/// <c>ack</c>, each only under its own prefix and without wildcards. The server's identity does the mirror image for
/// every hub. The embedded broker checks against this, and the external-broker provisioning writes it as roles.
/// </summary>
public static class HubAcl
{
    public static IReadOnlyList<TopicLeaf> HubPublishes { get; } = [TopicLeaf.Reply, TopicLeaf.Evt, TopicLeaf.State];

    public static IReadOnlyList<TopicLeaf> HubSubscribes { get; } = [TopicLeaf.Cmd, TopicLeaf.Ack];

    /// <summary>What the server publishes to hubs: exactly what they may subscribe to.</summary>
    public static IReadOnlyList<TopicLeaf> ServerPublishes => HubSubscribes;

    /// <summary>What the server subscribes to: exactly what hubs may publish.</summary>
    public static IReadOnlyList<TopicLeaf> ServerSubscribes => HubPublishes;

    public static bool HubMayPublish(Guid hubId, string? topic) =>
        HubTopics.TryParse(topic, out var id, out var leaf) && id == hubId && HubPublishes.Contains(leaf);

    /// <summary>A filter is allowed only as one exact topic: a wildcard never parses as a topic, so it is refused.</summary>
    public static bool HubMaySubscribe(Guid hubId, string? filter) =>
        HubTopics.TryParse(filter, out var id, out var leaf) && id == hubId && HubSubscribes.Contains(leaf);

    /// <summary>The exact topics a hub may publish to (for broker roles).</summary>
    public static IEnumerable<string> HubPublishTopics(Guid hubId) => HubPublishes.Select(leaf => HubTopics.For(hubId, leaf));

    /// <summary>The exact topics a hub may subscribe to (for broker roles).</summary>
    public static IEnumerable<string> HubSubscribeTopics(Guid hubId) => HubSubscribes.Select(leaf => HubTopics.For(hubId, leaf));

    /// <summary>The patterns the server publishes to ("thr/v1/hubs/+/cmd", "…/ack").</summary>
    public static IEnumerable<string> ServerPublishPatterns() => ServerPublishes.Select(HubTopics.AllHubs);

    /// <summary>The patterns the server subscribes to ("thr/v1/hubs/+/reply", "…/evt", "…/state").</summary>
    public static IEnumerable<string> ServerSubscribePatterns() => ServerSubscribes.Select(HubTopics.AllHubs);
}
