using System.Collections.Concurrent;
using System.Threading.Channels;
using Threshold.Server.Audit;

namespace Threshold.Server.Events;

internal sealed record ActivityItem(Guid HomeId, long Seq, DateTimeOffset At, string Type, string Actor, System.Text.Json.JsonElement Data)
{
    public static ActivityItem From(AuditEntry e) =>
        new(e.HomeId, e.Seq, e.At, e.Type, e.Actor, System.Text.Json.JsonDocument.Parse(e.Data).RootElement.Clone());
}

/// <summary>
/// Fans committed activity out to live subscribers of a home. Each subscriber has a bounded channel;
/// a subscriber that stops reading loses its oldest items rather than slowing writers down.
/// Single-node only: several nodes would fan out through the broker instead.
/// </summary>
internal sealed class ActivityBroadcaster
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Channel<ActivityItem>, byte>> subscribers = new();

    public void Publish(ActivityItem item)
    {
        if (!subscribers.TryGetValue(item.HomeId, out var set))
        {
            return;
        }

        foreach (var channel in set.Keys)
        {
            channel.Writer.TryWrite(item);
        }
    }

    public Subscription Subscribe(Guid homeId)
    {
        var channel = Channel.CreateBounded<ActivityItem>(new BoundedChannelOptions(256)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        subscribers.GetOrAdd(homeId, _ => new()).TryAdd(channel, 0);
        return new Subscription(channel.Reader, () =>
        {
            if (subscribers.TryGetValue(homeId, out var set))
            {
                set.TryRemove(channel, out _);
            }
        });
    }

    internal sealed class Subscription(ChannelReader<ActivityItem> reader, Action unsubscribe) : IDisposable
    {
        public ChannelReader<ActivityItem> Reader => reader;

        public void Dispose() => unsubscribe();
    }
}
