using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Audit;
using Threshold.Server.Data;

namespace Threshold.Server.Notifications;

/// <summary>
/// Turns a committed write's audit entries into notifications (<see cref="NotificationRules"/>) and hands them to
/// <see cref="PushSender"/> once the write has committed, whoever wrote it. The hand-over never waits: the channel is
/// bounded and drops the oldest, so a slow push service can never hold up an unlock.
/// </summary>
internal sealed class PushNotifier : IWriteConsequence
{
    private readonly Channel<Notification> queue = Channel.CreateBounded<Notification>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public ChannelReader<Notification> Reader => queue.Reader;

    public ValueTask<Action?> StageAsync(ThresholdDbContext db, CancellationToken ct)
    {
        List<Notification>? found = null;
        foreach (var entry in db.ChangeTracker.Entries<AuditEntry>())
        {
            if (entry.State == EntityState.Added && NotificationRules.For(entry.Entity) is { } notification)
            {
                (found ??= []).Add(notification);
            }
        }

        return ValueTask.FromResult<Action?>(found is null ? null : () =>
        {
            foreach (var notification in found)
            {
                queue.Writer.TryWrite(notification);
            }
        });
    }
}
