using Microsoft.Extensions.Logging;
using Threshold.Domain.Access;
using Threshold.Hub.Door;
using Threshold.Protocol.Credentials;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Keypad;

/// <summary>
/// Keypad unlocks: matched to the credential of the slot, counted durably (single use and <c>maxEntries</c> count hub-side
/// entries and the server's <c>entriesUsed</c>), and relocked when they should not have opened the door (the lock did not
/// confirm the slot's code yet, lockout, cool-down, outside the window, used up). Used by the keypad loop only.
/// </summary>
internal sealed partial class KeypadEntries(KeypadStore store, DoorController door, KeypadEvents events, ILogger<KeypadEntries> logger)
{
    /// <summary>The <c>reason</c> of <c>keypad_not_allowed</c> during the wrong-code cool-down.</summary>
    public const string KeypadDisabled = "keypad_disabled";

    private Dictionary<string, int> counted = new(StringComparer.Ordinal);

    /// <summary>Re-reads the hub-side counts (at start, and after a new set pruned those of credentials that left it).</summary>
    public void Reload() => counted = store.LoadUsage();

    public int Used(CredentialDocument credential) => Math.Max(counted.GetValueOrDefault(credential.Id), credential.EntriesUsed);

    /// <summary>A keypad unlock by lock user <paramref name="user"/>, judged against the slot table and the stored set.</summary>
    public void Unlocked(int? user, SlotPlan plan, WrongCodeCooldown cooldown, DateTimeOffset now)
    {
        var set = store.Current;
        if (user is not { } slot || plan.Find(slot) is not { } row || set?.Find(row.CredentialId) is not { } credential)
        {
            LogUnknownUser(logger, user);
            events.Alarm(AlarmCodes.KeypadUnknownUser, slot: user);
            if (user is >= 1 and <= SlotPlan.MaxSlot)
            {
                // A code in a managed slot the hub does not know is stale: wipe it (the usual session relocks the door).
                plan.RequireSweep();
            }

            return;
        }

        if (!plan.IsConfirmed(slot))
        {
            // The lock has not confirmed this slot's new code: the code typed may be the one it replaced (a revoked
            // guest's). Attribute it to nobody, count nothing, and relock (fail secure).
            LogUnconfirmed(logger, slot, row.CredentialId);
            door.RelockNow(RelockReasons.KeypadUnconfirmedSlot);
            events.Alarm(AlarmCodes.KeypadUnconfirmedSlot, slot);
            return;
        }

        var before = Used(credential);
        counted[credential.Id] = store.CountEntry(credential.Id);
        var after = Used(credential);
        events.Entry(credential.Id, slot);

        var reason = set.Lockout.ActiveAt(now) ? ReasonCodes.LockoutActive
            : cooldown.IsCoolingDownAt(now) ? KeypadDisabled
            : !credential.IsOpenAt(now, CredentialSetJson.Zone(set)) || credential.HasEnded(now) ? ReasonCodes.OutsideWindow
            : credential.IsSpent(before) ? ReasonCodes.AlreadyUsed
            : null;
        if (reason is not null)
        {
            // The slot should have been disabled already (clock tick or an offline lock): the door must not stay open.
            LogEntryRefused(logger, credential.Id, slot, reason);
            door.RelockNow(RelockReasons.KeypadRefused);
            events.Alarm(AlarmCodes.KeypadNotAllowed, slot, credential.Id, reason);
        }

        if (credential.IsSpent(after) && !credential.IsSpent(before))
        {
            // The reconcile that follows clears the slot (the credential is no longer wanted).
            events.UsedUp(credential.Id, slot);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keypad unlock with slot {Slot}, which the hub does not manage")]
    private static partial void LogUnknownUser(ILogger logger, int? slot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keypad unlock through slot {Slot} before the lock confirmed its code for credential {CredentialId}: relocking")]
    private static partial void LogUnconfirmed(ILogger logger, int slot, string credentialId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keypad entry with credential {CredentialId} (slot {Slot}) was not allowed ({Reason}): relocking")]
    private static partial void LogEntryRefused(ILogger logger, string credentialId, int slot, string reason);
}
