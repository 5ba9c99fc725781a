using System.Text;
using MQTTnet;

namespace Threshold.Demo.HomeNetwork;

/// <summary>Who a home broker account is: zigbee2mqtt (the devices) or the hub (the only one who commands them).</summary>
internal enum HomeBrokerRole
{
    Zigbee2Mqtt,
    Hub,
}

/// <summary>
/// The home broker's access rules, the same ones docs/home-broker.md gives mosquitto (a test holds the two together).
/// zigbee2mqtt publishes what it publishes (shared device facts: a device's state on <c>zigbee2mqtt/&lt;name&gt;</c>, its
/// <c>…/availability</c>, and the bridge's own topics and replies) and never a command; the hub publishes only commands
/// (<c>…/set</c>, <c>…/get</c>, <c>bridge/request/…</c>) and never a device's state. Both read everything under the base
/// topic. Only what is granted is allowed: <c>zigbee2mqtt/+</c> is one level, so it never covers <c>…/set</c>.
/// </summary>
internal static class HomeBrokerAcl
{
    public const string BaseTopic = "zigbee2mqtt";

    private static readonly string[] Reads = [$"{BaseTopic}/#"];

    private static readonly string[] Zigbee2MqttWrites =
    [
        $"{BaseTopic}/+",
        $"{BaseTopic}/+/availability",
        $"{BaseTopic}/bridge/state",
        $"{BaseTopic}/bridge/info",
        $"{BaseTopic}/bridge/devices",
        $"{BaseTopic}/bridge/groups",
        $"{BaseTopic}/bridge/definitions",
        $"{BaseTopic}/bridge/extensions",
        $"{BaseTopic}/bridge/event",
        $"{BaseTopic}/bridge/logging",
        $"{BaseTopic}/bridge/response/#",
    ];

    private static readonly string[] HubWrites = [$"{BaseTopic}/+/set", $"{BaseTopic}/+/get", $"{BaseTopic}/bridge/request/#"];

    public static IReadOnlyList<string> Writes(HomeBrokerRole role) => role == HomeBrokerRole.Hub ? HubWrites : Zigbee2MqttWrites;

    public static bool MayPublish(HomeBrokerRole role, string topic) =>
        !topic.Contains('+') && !topic.Contains('#') && Writes(role).Any(pattern => Matches(topic, pattern));

    /// <summary>A filter is allowed when everything it can match is readable: here, anything under the base topic.</summary>
    public static bool MaySubscribe(string filter) =>
        Reads.Any(pattern => filter.StartsWith(pattern[..^1], StringComparison.Ordinal) && filter.Length > pattern.Length - 1);

    /// <summary>The mosquitto <c>acl_file</c> for these rules and the two accounts' user names.</summary>
    public static string MosquittoAcl(string zigbee2mqttUser, string hubUser)
    {
        var text = new StringBuilder();
        Section(text, "zigbee2mqtt: reads commands and requests; publishes device state, availability and the bridge's topics",
            zigbee2mqttUser, Zigbee2MqttWrites);
        text.Append('\n');
        Section(text, "the Threshold hub: reads device state; publishes commands and bridge requests, never device state",
            hubUser, HubWrites);
        return text.ToString();
    }

    private static void Section(StringBuilder text, string comment, string user, IEnumerable<string> writes)
    {
        text.Append("# ").Append(comment).Append('\n').Append("user ").Append(user).Append('\n');
        foreach (var read in Reads)
        {
            text.Append("topic read ").Append(read).Append('\n');
        }

        foreach (var write in writes)
        {
            text.Append("topic write ").Append(write).Append('\n');
        }
    }

    private static bool Matches(string topic, string pattern) =>
        MqttTopicFilterComparer.Compare(topic, pattern) == MqttTopicFilterCompareResult.IsMatch;
}
