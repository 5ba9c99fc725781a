using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Domain.Deliveries;
using Threshold.Protocol.Events;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Deliveries;

namespace Threshold.Server.Grants;

/// <summary>
/// What the hub reports about keypad credentials (docs/hub-protocol.md): its slot table ("on the lock"
/// vs "pending" per code) and each keypad entry, matched to the grant or delivery it belongs to.
/// Runs inside the transaction that applies the hub's batch.
/// </summary>
internal sealed class KeypadEvents(ThresholdDbContext db, AuditTrail audit, TimeProvider time)
{
    public async Task<bool> TryRecordAsync(Guid homeId, HubEvent evt, string actor, CancellationToken ct)
    {
        switch (evt)
        {
            case SlotTable table:
                await SlotTableAsync(homeId, table, ct);
                return true;
            case KeypadEntry entry when CredentialId(entry.CredentialId) is { } id:
                await EntryAsync(homeId, id, entry, actor, ct);
                return true;
            case CredentialUsedUp usedUp when CredentialId(usedUp.CredentialId) is { } id:
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
            if (CredentialId(slot.CredentialId) is { } id)
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

    private async Task EntryAsync(Guid homeId, Guid credentialId, KeypadEntry entry, string actor, CancellationToken ct)
    {
        var credential = await db.Credentials.SingleOrDefaultAsync(c => c.Id == credentialId && c.HomeId == homeId, ct);
        if (credential is null)
        {
            await audit.AppendAsync(homeId, AuditTypes.HubAlarm, actor, new { alarm = "keypad_unknown_credential", credentialId }, ct);
            return;
        }

        var now = time.GetUtcNow();
        if (credential.Kind == CredentialKind.Delivery)
        {
            var delivery = await db.Deliveries.SingleAsync(d => d.Id == credentialId, ct);
            try
            {
                delivery.ConsumeEntry(now);
                delivery.ConfirmEntry(now);
                await audit.AppendAsync(homeId, AuditTypes.DeliveryStateChanged, actor, new { deliveryId = delivery.Id, status = DeliveryView.StatusName(delivery.Status), via = "keypad" }, ct);
            }
            catch (DomainException e)
            {
                // The code opened the door although the server would not have: say so loudly.
                await audit.AppendAsync(homeId, AuditTypes.HubAlarm, actor, new { alarm = "unexpected_keypad_entry", deliveryId = delivery.Id, reason = e.Code }, ct);
            }

            credential.Active = false;
            return;
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
    }

    // Credential ids in the set are the server's grant and delivery ids; anything else is not one of ours.
    private static Guid? CredentialId(string id) => Guid.TryParse(id, out var g) ? g : null;
}
