using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Audit;
using Threshold.Server.Data;
using Threshold.Server.Events;

namespace Threshold.Server.Audit;

/// <summary>
/// Appends to a home's hash chain inside the caller's transaction (see <see cref="WriteScope"/>),
/// and hands committed entries to the live activity feed.
/// </summary>
internal sealed class AuditTrail(ThresholdDbContext db, ActivityBroadcaster broadcaster, TimeProvider time)
{
    private static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web);
    private readonly List<AuditEntry> pending = [];

    // Compiled once: every write of every feature reads the tail of a chain.
    private static readonly Func<ThresholdDbContext, Guid, CancellationToken, Task<AuditEntry?>> TailQuery =
        EF.CompileAsyncQuery((ThresholdDbContext db, Guid homeId, CancellationToken ct) =>
            db.AuditEntries.AsNoTracking().Where(e => e.HomeId == homeId).OrderByDescending(e => e.Seq).FirstOrDefault());

    public async Task AppendAsync(Guid homeId, string type, string actor, object data, CancellationToken ct)
    {
        var previous = pending.LastOrDefault(e => e.HomeId == homeId) ?? await TailQuery(db, homeId, ct);
        var record = AuditChain.Next(previous?.ToRecord(), homeId, time.GetUtcNow(), type, actor, JsonSerializer.Serialize(data, DataJson));
        var entry = AuditEntry.From(record);
        db.AuditEntries.Add(entry);
        pending.Add(entry);
    }

    /// <summary>Called when the transaction that held the pending entries was rolled back.</summary>
    public void Discard() => pending.Clear();

    /// <summary>Called once the transaction that holds the pending entries has committed.</summary>
    public void PublishCommitted()
    {
        foreach (var entry in pending)
        {
            broadcaster.Publish(ActivityItem.From(entry));
        }

        pending.Clear();
    }
}

/// <summary>Audit entry types: stable strings, part of the exported trail.</summary>
internal static class AuditTypes
{
    public const string HomeCreated = "home.created";
    public const string LockoutStarted = "home.lockout_started";
    public const string LockoutEnded = "home.lockout_ended";
    public const string CarrierEnrolled = "carrier.enrolled";
    public const string DeliveryScheduled = "delivery.scheduled";
    public const string DeliveryCourierAssigned = "delivery.courier_assigned";
    public const string DeliveryCancelled = "delivery.cancelled";
    public const string DeliveryDeclined = "delivery.declined";
    public const string DeliveryStateChanged = "delivery.state_changed";
    public const string DeliveryFailed = "delivery.failed";
    public const string DeliveryApprovalRequested = "delivery.approval_requested";
    public const string DeliveryApproved = "delivery.approved";
    public const string DeliveryDenied = "delivery.denied";
    public const string AccessDecision = "access.decision";
    public const string LockCommand = "lock.command";
    public const string LockCommandFailed = "lock.command_failed";
    public const string DeviceEvent = "device.event";
    public const string PairingCodeCreated = "hub.pairing_code_created";
    public const string HubPaired = "hub.paired";
    public const string HubBatch = "hub.batch";
    public const string HubAlarm = "hub.alarm";
    public const string HubEvent = "hub.event";
    public const string HubConnection = "hub.connection";
    public const string HubKeyRotationStarted = "hub.key_rotation_started";
    public const string HubKeyRotated = "hub.key_rotated";
    public const string GrantCreated = "grant.created";
    public const string GrantRevoked = "grant.revoked";
    public const string KeypadEntry = "access.keypad_entry";
    public const string KeypadSettingsChanged = "home.keypad_settings_changed";
    public const string MemberInvited = "home.member_invited";
    public const string MemberJoined = "home.member_joined";
    public const string MemberRemoved = "home.member_removed";
}
