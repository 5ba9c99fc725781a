using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Deliveries;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;

namespace Threshold.Server.Courier;

/// <summary>
/// Live changes of a courier's own stops (<c>GET /api/v1/courier/deliveries/stream</c>): whenever a committed write
/// changes the status of a delivery assigned to them, or a question to the household starts (approval at the door),
/// they get the stop as <c>GET .../deliveries/{id}</c> shows it. Fed by <see cref="StopChanges"/>, whoever wrote.
/// A subscriber that stops reading loses its oldest items. Single-node, like the home activity feed
/// (src/Threshold.Server/Events/ActivityBroadcaster.cs).
/// </summary>
internal sealed class StopFeed
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Channel<DeliveryView>, byte>> subscribers = new();

    public void Publish(Guid courierId, DeliveryView stop)
    {
        if (subscribers.TryGetValue(courierId, out var set))
        {
            foreach (var channel in set.Keys)
            {
                channel.Writer.TryWrite(stop);
            }
        }
    }

    public async IAsyncEnumerable<SseItem<object>> StreamAsync(Guid courierId, [EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<DeliveryView>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var set = subscribers.GetOrAdd(courierId, _ => new());
        set.TryAdd(channel, 0);
        try
        {
            // Headers go out at once, so the app knows it is subscribed before anything happens.
            yield return new SseItem<object>(new { subscribed = true }, "ready");
            await foreach (var stop in channel.Reader.ReadAllAsync(ct))
            {
                yield return new SseItem<object>(stop, "stop");
            }
        }
        finally
        {
            set.TryRemove(channel, out _);
        }
    }
}

/// <summary>Hands the stops a write changed to <see cref="StopFeed"/> once it has committed.</summary>
internal sealed class StopChanges(StopFeed feed) : IWriteConsequence
{
    public ValueTask<Action?> StageAsync(ThresholdDbContext db, CancellationToken ct)
    {
        List<(Guid Courier, DeliveryView Stop)>? changed = null;
        foreach (var entry in db.ChangeTracker.Entries<Delivery>())
        {
            if (entry.Entity.CourierId is { } courier
                && (entry.State == EntityState.Added
                    || (entry.State == EntityState.Modified && (entry.Property(d => d.Status).IsModified
                        || entry.Property(d => d.ApprovalDeadline).IsModified || entry.Property(d => d.CourierId).IsModified))))
            {
                (changed ??= []).Add((courier, DeliveryView.From(entry.Entity)));
            }
        }

        return ValueTask.FromResult<Action?>(changed is null ? null : () =>
        {
            foreach (var (courier, stop) in changed)
            {
                feed.Publish(courier, stop);
            }
        });
    }
}
