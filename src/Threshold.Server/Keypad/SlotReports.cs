using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Protocol.Events;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Hubs;

namespace Threshold.Server.Keypad;

/// <summary>
/// What the hub reports about keypad credentials (docs/hub-protocol.md): its slot table ("on the lock" vs "pending"
/// per code), codes it cleared as used up, and each keypad entry of a grant. A delivery's keypad entry is the
/// delivery's door report (<c>Deliveries/DoorReports.cs</c>). Runs inside the transaction that applies the hub's batch.
/// </summary>
internal sealed class SlotReports(ThresholdDbContext db, AuditTrail audit) : IHubEventHandler
{
    public async Task<bool> ApplyAsync(Guid homeId, HubEvent evt, string actor, CancellationToken ct)
    {
        switch (evt)
        {
            case SlotTable table:
                await SlotTableAsync(homeId, table, ct);
                return true;
            case KeypadEntry entry when CredentialIds.Parse(entry.CredentialId) is { } id:
                return await EntryAsync(homeId, id, entry, actor, ct);
            case CredentialUsedUp usedUp when CredentialIds.Parse(usedUp.CredentialId) is { } id:
                var credential = await db.Credentials.SingleOrDefaultAsync(c => c.Id == id && c.HomeId == homeId, ct);
                if (credential is not null)
                {
                    credential.LockState = "cleared";
                }

                return false; // audited as sent, too
            default:
                return false;
        }
    }

    private async Task SlotTableAsync(Guid homeId, SlotTable table, CancellationToken ct)
    {
        var reported = new Dictionary<Guid, string>();
        foreach (var slot in table.Slots)
        {
            if (CredentialIds.Parse(slot.CredentialId) is { } id)
            {
                reported[id] = slot.State == SlotStates.Programmed ? "on_lock" : slot.State.Length <= 16 ? slot.State : "pending";
            }
        }

        foreach (var credential in await db.Credentials.Where(c => c.HomeId == homeId && c.Active && c.ProtectedCode != null).ToListAsync(ct))
        {
            credential.LockState = reported.GetValueOrDefault(credential.Id, "pending");
        }

        // The slot table is state, not an event worth a line in the household's feed each time.
        await audit.AppendAsync(homeId, AuditTypes.HubEvent, "hub", new { type = HubEventTypes.SlotTable, slots = reported.Count }, ct);
    }

    private async Task<bool> EntryAsync(Guid homeId, Guid credentialId, KeypadEntry entry, string actor, CancellationToken ct)
    {
        var credential = await db.Credentials.SingleOrDefaultAsync(c => c.Id == credentialId && c.HomeId == homeId, ct);
        if (credential is null)
        {
            await audit.AppendAsync(homeId, AuditTypes.HubAlarm, actor, new { alarm = "keypad_unknown_credential", credentialId }, ct);
            return true;
        }

        if (credential.Kind == CredentialKind.Delivery)
        {
            return false;
        }

        var grant = await db.Grants.SingleOrDefaultAsync(g => g.Id == credentialId, ct);
        if (grant is not null && !grant.Revoked)
        {
            try
            {
                grant.RecordEntry();
            }
            catch (DomainException)
            {
                // Counted on the hub already; the server's count only follows.
            }
        }

        await audit.AppendAsync(homeId, AuditTypes.KeypadEntry, actor, new
        {
            grantId = credentialId, name = grant?.Name, kind = credential.Kind.ToString().ToLowerInvariant(),
            slot = entry.Slot,
            notify = credential.Notify,
        }, ct);
        return true;
    }
}

/// <summary>Credential ids in the set are the server's grant and delivery ids; anything else is not one of ours.</summary>
internal static class CredentialIds
{
    public static Guid? Parse(string id) => Guid.TryParse(id, out var g) ? g : null;
}
