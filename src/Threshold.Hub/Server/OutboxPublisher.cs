using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Threshold.Hub.Outbox;
using Threshold.Protocol.Messages;
using Threshold.Protocol.Topics;

namespace Threshold.Hub.Server;

/// <summary>
/// Publishes over <see cref="ServerLink"/> what the server must learn: the retained <c>state</c> when it changed or the
/// link came back, and the oldest unacknowledged batch (stop-and-wait), re-sent unchanged until it is acked.
/// </summary>
internal sealed partial class OutboxPublisher(
    ServerLink link, EventOutbox outbox, HubStatus status, OutboundWakeup wakeup, TimeSpan resend, ILogger logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        long sentSeq = 0, sentEpoch = -1;
        var sentAt = Stopwatch.StartNew();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (!link.IsConnected)
                {
                    await wakeup.WaitAsync(TimeSpan.FromMilliseconds(250), ct);
                    continue;
                }

                if (status.TakeIfDirty() is { } state)
                {
                    try
                    {
                        await link.PublishAsync(TopicLeaf.State, state.ToUtf8Bytes(), retain: true, ct);
                    }
                    catch
                    {
                        status.MarkDirty();
                        throw;
                    }
                }

                var wait = TimeSpan.FromSeconds(5);
                var batch = outbox.NextBatch();
                if (batch is not null)
                {
                    var epoch = link.ConnectionEpoch;
                    var due = batch.Seq != sentSeq || epoch != sentEpoch || sentAt.Elapsed >= resend;
                    if (due)
                    {
                        await link.PublishAsync(TopicLeaf.Evt, new JwsEnvelope(batch.Jws).ToUtf8Bytes(), retain: false, ct);
                        LogBatchSent(logger, batch.Seq, batch.EventCount);
                        (sentSeq, sentEpoch) = (batch.Seq, epoch);
                        sentAt.Restart();
                    }

                    wait = resend - sentAt.Elapsed;
                    if (wait < TimeSpan.FromMilliseconds(10))
                    {
                        wait = TimeSpan.FromMilliseconds(10);
                    }
                }

                await wakeup.WaitAsync(wait, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogPublishFailed(logger, e.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent batch {Seq} ({Count} events)")]
    private static partial void LogBatchSent(ILogger logger, long seq, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing evt failed: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string error);
}
