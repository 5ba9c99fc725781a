using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Topics;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// Where an unlock's time goes, seen from outside: two observer clients note when the signed command appears on the
/// server's broker, when the hub's <c>set</c> and the lock's <c>unlocked</c> report appear on the home broker, and when
/// the hub's reply appears; matched to each timed request by home, time and the command's jti (other commands the
/// server sends the hub meanwhile, such as credential syncs, are counted, not timed). Observers add a little broker work, so
/// this runs as a phase of its own, never in the table's phases.
/// </summary>
internal sealed class Breakdown : IAsyncDisposable
{
    private static readonly string[] Steps = ["cmd", "set", "unlocked", "reply"];
    private static readonly string[] Segments =
    [
        "HTTP request → command on broker (server: auth, checks, write tx, sign)",
        "command → set on home broker (hub: verify, jti fsync, controller)",
        "set → lock reports unlocked (simulator)",
        "unlocked → reply on broker (hub: report, outbox fsync, reply)",
        "reply → HTTP response read (server: correlate, respond)",
    ];

    private readonly IMqttClient server = new MqttClientFactory().CreateMqttClient();
    private readonly IMqttClient home = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentQueue<(long At, int Home, string Step, string? Jti)> seen = new();
    private readonly ConcurrentDictionary<string, int> otherCommands = new();

    private Breakdown()
    {
    }

    public static async Task<Breakdown> StartAsync(EmbeddedStack stack, IReadOnlyList<BenchHome> homes)
    {
        var b = new Breakdown();
        var byHub = homes.ToDictionary(h => h.HubId, h => h.Index);
        b.server.ApplicationMessageReceivedAsync += e =>
        {
            var at = Stopwatch.GetTimestamp();
            if (HubTopics.TryParse(e.ApplicationMessage.Topic, out var hubId, out var leaf) && byHub.TryGetValue(hubId, out var index))
            {
                using var doc = JsonDocument.Parse(e.ApplicationMessage.Payload);
                if (leaf == TopicLeaf.Reply)
                {
                    b.seen.Enqueue((at, index, "reply", doc.RootElement.GetProperty("jti").GetString()));
                }
                else if (doc.RootElement.GetProperty("jws").GetString()!.Split('.')[1] is var claims
                    && JsonDocument.Parse(Base64Url.DecodeFromChars(claims)).RootElement is var c
                    && c.GetProperty("cmd").GetString() is var cmd)
                {
                    // Only the unlock is timed; anything else the server sends the hub queues with it.
                    if (cmd == CommandNames.Unlock)
                    {
                        b.seen.Enqueue((at, index, "cmd", c.GetProperty("jti").GetString()));
                    }
                    else
                    {
                        b.otherCommands.AddOrUpdate(cmd ?? "?", 1, (_, n) => n + 1);
                    }
                }
            }

            return Task.CompletedTask;
        };
        b.home.ApplicationMessageReceivedAsync += e =>
        {
            var at = Stopwatch.GetTimestamp();
            var topic = e.ApplicationMessage.Topic;
            var index = int.Parse(topic.AsSpan(3, topic.IndexOf('/', StringComparison.Ordinal) - 3), CultureInfo.InvariantCulture);
            if (topic.EndsWith("/set", StringComparison.Ordinal))
            {
                b.seen.Enqueue((at, index, "set", null));
            }
            else if (Encoding.UTF8.GetString(e.ApplicationMessage.Payload).Contains("\"lock_state\":\"unlocked\"", StringComparison.Ordinal))
            {
                b.seen.Enqueue((at, index, "unlocked", null));
            }

            return Task.CompletedTask;
        };
        await b.server.ConnectAsync(HubStateProbe.ServerIdentity(stack.Broker, "bench-breakdown"));
        await b.server.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(HubTopics.AllHubs(TopicLeaf.Cmd), MqttQualityOfServiceLevel.AtMostOnce)
            .WithTopicFilter(HubTopics.AllHubs(TopicLeaf.Reply), MqttQualityOfServiceLevel.AtMostOnce).Build());
        await b.home.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", stack.HomeBroker.Port).WithCleanSession().Build());
        await b.home.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("+/front_door_lock", MqttQualityOfServiceLevel.AtMostOnce)
            .WithTopicFilter("+/front_door_lock/set", MqttQualityOfServiceLevel.AtMostOnce).Build());
        return b;
    }

    /// <summary>Median and p99 of each segment over the requests (home, start, end timestamps) that all steps matched.</summary>
    public string Summarise(IReadOnlyList<(int Home, long Start, long End)> requests)
    {
        var events = seen.ToArray().GroupBy(e => e.Home).ToDictionary(g => g.Key, g => g.OrderBy(e => e.At).ToArray());
        var segments = Segments.Select(_ => new List<double>()).ToArray();
        foreach (var (homeIndex, start, end) in requests)
        {
            if (!events.TryGetValue(homeIndex, out var list))
            {
                continue;
            }

            var marks = new List<long> { start };
            string? jti = null;
            foreach (var step in Steps)
            {
                var from = marks[^1];
                var hit = list.FirstOrDefault(e => e.Step == step && e.At >= from && e.At <= end && (step != "reply" || e.Jti == jti));
                jti ??= hit.Jti;
                if (hit.Step is null)
                {
                    break;
                }

                marks.Add(hit.At);
            }

            if (marks.Count != Steps.Length + 1)
            {
                continue;
            }

            marks.Add(end);
            for (var s = 0; s < Segments.Length; s++)
            {
                segments[s].Add((marks[s + 1] - marks[s]) * 1000.0 / Stopwatch.Frequency);
            }
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"  breakdown over {segments[0].Count} of {requests.Count} unlocks (p50 / p99 ms):");
        foreach (var (cmd, n) in otherCommands)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    other commands to the hubs meanwhile: {n} × {cmd} ({n / (double)Math.Max(1, requests.Count):F1} per unlock)");
        }

        for (var s = 0; s < Segments.Length; s++)
        {
            var sorted = segments[s].Order().ToList();
            double P(double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
            text.AppendLine(CultureInfo.InvariantCulture, $"    {P(0.5),7:F2} / {P(0.99),7:F2}  {Segments[s]}");
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { server, home })
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync();
            }

            client.Dispose();
        }
    }
}
