using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Protocol.Events;
using Threshold.Protocol.Keys;
using Threshold.Server.Audit;
using Threshold.Server.Data;

namespace Threshold.Server.Hubs;

/// <summary>
/// Applies what hubs send, one message at a time in arrival order: signed event batches (verified
/// against the hub's paired key, duplicates ignored, applied with the batch seq in one transaction,
/// then acknowledged) and retained state (online/offline, camera).
/// </summary>
internal sealed partial class HubInbox(
    HubLink link, IServiceScopeFactory scopes, HubDirectory directory, Grants.CredentialSync credentials, TimeProvider time, ILogger<HubInbox> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in link.Inbox.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                if (message.Leaf == "evt")
                {
                    var acked = await ApplyBatchAsync(scope.ServiceProvider, message, stoppingToken);
                    if (acked is { } seq)
                    {
                        await link.PublishAsync(HubTopics.Ack(message.HubId), new { seq }, stoppingToken);
                    }
                }
                else if (message.Leaf == "state")
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
        if (hub is null || !TryReadJws(message.Payload, out var jws))
        {
            LogRejected(logger, message.HubId, hub is null ? "unknown hub" : "not {\"jws\"}");
            return null;
        }

        using var key = KeyEncoding.ImportEcdsaPublicSpki(hub.SigningKey);
        var verified = BatchVerifier.Verify(jws, key, hub.Id.ToString());
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
        var devices = services.GetRequiredService<DeviceEvents>();
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
            foreach (var evt in batch.Events)
            {
                await devices.RecordHubEventAsync(hub.HomeId, evt, actor, c);
            }

            tracked.BatchApplied(batch.Seq, time.GetUtcNow());
            return true;
        }, ct);
        return batch.Seq;
    }

    private async Task ApplyStateAsync(IServiceProvider services, HubMessage message, CancellationToken ct)
    {
        if (!HubState.TryParse(message.Payload, out var state))
        {
            LogRejected(logger, message.HubId, "unparseable state");
            return;
        }

        var db = services.GetRequiredService<ThresholdDbContext>();
        var known = await db.Hubs.AsNoTracking().SingleOrDefaultAsync(h => h.Id == message.HubId, ct);
        if (known is null || !known.ChangedBy(state.Online, state.Camera, time.GetUtcNow()))
        {
            // The hub republishes its retained state on every bolt and door change; nothing to write for those.
            return;
        }

        var audit = services.GetRequiredService<AuditTrail>();
        Guid? homeId = null;
        await db.WriteAsync(audit, async c =>
        {
            var hub = await db.Hubs.SingleOrDefaultAsync(h => h.Id == message.HubId, c);
            if (hub is null)
            {
                return false;
            }

            // Only a hub that comes (back) online needs the set again; its retained state on every bolt change does not.
            homeId = hub.Online ? null : hub.HomeId;
            if (hub.Online != state.Online)
            {
                await audit.AppendAsync(hub.HomeId, AuditTypes.HubConnection, "hub:" + hub.Id, new { online = state.Online }, c);
            }

            hub.Reported(state.Online, state.Camera, time.GetUtcNow());
            return true;
        }, ct);
        directory.Forget(known.HomeId);
        if (state.Online && homeId is { } home)
        {
            // A hub that (re)connects gets the complete current set: offline changes converge here.
            credentials.Request(home);
        }
    }

    private static bool TryReadJws(byte[] payload, out string jws)
    {
        jws = "";
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("jws", out var value) && value.ValueKind == JsonValueKind.String)
            {
                jws = value.GetString()!;
                return true;
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected message from hub {HubId}: {Reason}")]
    private static partial void LogRejected(ILogger logger, Guid hubId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying {Leaf} from hub {HubId} failed")]
    private static partial void LogFailed(ILogger logger, Guid hubId, string leaf, Exception exception);
}

internal sealed record HubState(bool Online, bool Camera)
{
    public static bool TryParse(byte[] payload, out HubState state)
    {
        state = new HubState(false, false);
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("online", out var online) || online.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }

            var camera = root.TryGetProperty("camera", out var c) && c.ValueKind == JsonValueKind.True;
            state = new HubState(online.GetBoolean(), camera);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
