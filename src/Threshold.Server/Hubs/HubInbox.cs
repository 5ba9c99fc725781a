using Microsoft.EntityFrameworkCore;
using Threshold.Protocol.Events;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Messages;
using Threshold.Protocol.Topics;
using Threshold.Server.Audit;
using Threshold.Server.Data;

namespace Threshold.Server.Hubs;

/// <summary>
/// Applies what hubs send, one message at a time in arrival order: signed event batches (verified
/// against the hub's paired key, duplicates ignored, applied with the batch seq in one transaction,
/// then acknowledged) and retained state (online/offline, camera, the home broker's openness).
/// </summary>
internal sealed partial class HubInbox(
    HubLink link, IServiceScopeFactory scopes, HubDirectory directory, HomeBrokerReports homeBrokers, KeyRotation rotation, TimeProvider time,
    ILogger<HubInbox> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in link.Inbox.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (message.Leaf == TopicLeaf.Evt)
                {
                    var acked = await ApplyBatchAsync(scope.ServiceProvider, message, stoppingToken);
                    if (acked is { } seq)
                    {
                        await link.PublishAsync(HubTopics.For(message.HubId, TopicLeaf.Ack), new BatchAck(seq).ToUtf8Bytes(), stoppingToken);
                    }
                }
                else if (message.Leaf == TopicLeaf.State)
                {
                    await ApplyStateAsync(scope.ServiceProvider, message, stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, message.HubId, message.Leaf, e);
            }
        }
    }

    /// <returns>The seq to acknowledge, or null to stay silent (bad signature, out of order).</returns>
    private async Task<long?> ApplyBatchAsync(IServiceProvider services, HubMessage message, CancellationToken ct)
    {
        var db = services.GetRequiredService<ThresholdDbContext>();
        var hub = await db.Hubs.AsNoTracking().SingleOrDefaultAsync(h => h.Id == message.HubId, ct);
        if (hub is null || !JwsEnvelope.TryParse(message.Payload, out var envelope))
        {
            LogRejected(logger, message.HubId, hub is null ? "unknown hub" : "not {\"jws\"}");
            return null;
        }

        var jws = envelope.Jws;
        using var key = KeyEncoding.ImportEcdsaPublicSpki(hub.SigningKey);
        var verified = BatchVerifier.Verify(jws, key, hub.Id);
        if (!verified.Ok || verified.Batch is not { } batch)
        {
            LogRejected(logger, hub.Id, verified.Error ?? "invalid");
            return null;
        }

        if (batch.Seq <= hub.LastSeq)
        {
            return hub.LastSeq; // a duplicate: applied before, only the ack was lost
        }

        if (!hub.IsNextBatch(batch.Seq))
        {
            LogRejected(logger, hub.Id, $"seq {batch.Seq} after {hub.LastSeq}");
            return null;
        }

        var audit = services.GetRequiredService<AuditTrail>();
        var events = services.GetRequiredService<HubEventRecorder>();
        await db.WriteAsync(audit, async c =>
        {
            var tracked = await db.Hubs.SingleAsync(h => h.Id == hub.Id, c);
            if (!tracked.IsNextBatch(batch.Seq))
            {
                return false; // applied meanwhile by another node
            }

            var actor = "hub:" + hub.Id;
            // The batch itself goes into the chain, so every hub-originated entry stays checkable against the hub's key.
            await audit.AppendAsync(hub.HomeId, AuditTypes.HubBatch, actor, new { hubId = hub.Id, seq = batch.Seq, jws }, c);
            foreach (var raw in batch.Events)
            {
                // An event of a shape we do not know changes no state, but the household still sees it (an alarm of a
                // newer kind, say): audited as sent, marked unrecognised. Only what is not even an object is just logged.
                if (!HubEventJson.TryRead(raw, out var evt, out var error))
                {
                    if (await events.RecordUnrecognisedAsync(hub.HomeId, raw, error, actor, c))
                    {
                        LogUnrecognisedEvent(logger, hub.Id, batch.Seq, error);
                    }
                    else
                    {
                        LogDroppedEvent(logger, hub.Id, batch.Seq, error);
                    }

                    continue;
                }

                await events.RecordAsync(hub.HomeId, evt, raw, actor, c);
            }

            tracked.BatchApplied(batch.Seq, time.GetUtcNow());
            return true;
        }, ct);
        return batch.Seq;
    }

    private async Task ApplyStateAsync(IServiceProvider services, HubMessage message, CancellationToken ct)
    {
        if (!HubStateReport.TryParse(message.Payload, out var state))
        {
            LogRejected(logger, message.HubId, "unparseable state");
            return;
        }

        homeBrokers.Reported(message.HubId, state);

        var db = services.GetRequiredService<ThresholdDbContext>();
        var known = await db.Hubs.AsNoTracking().SingleOrDefaultAsync(h => h.Id == message.HubId, ct);
        if (known is null || !known.ChangedBy(state.Online, state.CameraLive, time.GetUtcNow()))
        {
            // The hub republishes its retained state on every bolt and door change; nothing to write for those. One that
            // reconnected while the server still had it online (a server restart) is sent a pending key rotation.
            if (known is { PendingKid: not null } && state.Online)
            {
                rotation.Request(known.Id);
            }

            return;
        }

        var audit = services.GetRequiredService<AuditTrail>();
        await db.WriteAsync(audit, async c =>
        {
            var hub = await db.Hubs.SingleOrDefaultAsync(h => h.Id == message.HubId, c);
            if (hub is null)
            {
                return false;
            }

            if (hub.Online != state.Online)
            {
                await audit.AppendAsync(hub.HomeId, AuditTypes.HubConnection, "hub:" + hub.Id, new { online = state.Online }, c);
                if (!state.Online)
                {
                    await DeliveryAlarms.HubOfflineAsync(db, audit, hub, c);
                }
            }

            // A hub that comes (back) online gets the complete current set once this commits (Keypad/CredentialSetChanges.cs):
            // offline changes converge there.
            hub.Reported(state.Online, state.CameraLive, time.GetUtcNow());
            return true;
        }, ct);
        directory.Forget(known.HomeId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected message from hub {HubId}: {Reason}")]
    private static partial void LogRejected(ILogger logger, Guid hubId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audited an unrecognised event of batch {Seq} from hub {HubId}, not applied: {Reason}")]
    private static partial void LogUnrecognisedEvent(ILogger logger, Guid hubId, long seq, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a non-object event of batch {Seq} from hub {HubId}: {Reason}")]
    private static partial void LogDroppedEvent(ILogger logger, Guid hubId, long seq, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying {Leaf} from hub {HubId} failed")]
    private static partial void LogFailed(ILogger logger, Guid hubId, TopicLeaf leaf, Exception exception);
}
