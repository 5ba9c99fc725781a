using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Threshold.Hub.Credentials;

/// <summary>Bringing the lock's user-code slots in line with the credential set, and reporting the slot table.</summary>
internal sealed partial class SlotManager
{
    private async Task ReconcileAsync(DateTimeOffset now, CancellationToken ct)
    {
        var set = store.Current;
        if (disabledUntil is { } until && now >= until)
        {
            disabledUntil = null;
            store.SetValue(DisabledUntilKey, null);
            Record("keypad_enabled", new JsonObject { ["until"] = Iso(until), ["lockId"] = LockId });
        }

        var online = Online;
        if (online && !wasOnline)
        {
            needSweep = true;
        }

        wasOnline = online;
        if (!online)
        {
            foreach (var row in slots.Values)
            {
                row.OnLock = false;
            }
        }

        // What the lock should hold: every credential not spent and whose window has not ended for good.
        var desired = new Dictionary<string, HubCredential>(StringComparer.Ordinal);
        foreach (var credential in set?.Credentials ?? [])
        {
            if (!credential.IsSpent(Used(credential)) && !(credential.WindowEnd is { } end && now >= end))
            {
                desired[credential.Id] = credential;
            }
        }

        var tableChanged = false;
        var toClear = new List<int>();
        foreach (var row in slots.Values.ToList())
        {
            if (!desired.TryGetValue(row.CredentialId, out var credential))
            {
                slots.Remove(row.Slot);
                toClear.Add(row.Slot);
                tableChanged = true;
            }
            else if (Hash(credential.Code) is var hash && hash != row.CodeHash)
            {
                row.CodeHash = hash;
                row.OnLock = false;
                tableChanged = true;
            }
        }

        var assigned = slots.Values.Select(r => r.CredentialId).ToHashSet(StringComparer.Ordinal);
        foreach (var credential in desired.Values.Where(c => !assigned.Contains(c.Id)))
        {
            var free = Enumerable.Range(1, MaxSlot).First(s => !slots.ContainsKey(s)); // ≤ 29 credentials, so one is free
            slots[free] = new Row(free, credential.Id, Hash(credential.Code));
            tableChanged = true;
        }

        if (tableChanged)
        {
            store.SaveSlots(slots.Values.Select(r => new SlotAssignment(r.Slot, r.CredentialId, r.CodeHash)));
        }

        if (online)
        {
            await ProgramAsync(set, desired, toClear, now, ct);
        }

        EmitTable(set);
    }

    private async Task ProgramAsync(CredentialSet? set, Dictionary<string, HubCredential> desired, List<int> toClear, DateTimeOffset now, CancellationToken ct)
    {
        var lockout = set?.LockoutAt(now) == true;
        var keypadOff = disabledUntil is not null;
        try
        {
            if (needSweep)
            {
                // The lock may hold stale codes (database lost, changes missed while offline): clear every managed slot
                // not in the table, then program the table from scratch. Clears go first: a lock refuses a code that
                // another slot still holds.
                var cleared = 0;
                for (var slot = 1; slot <= MaxSlot; slot++)
                {
                    if (!slots.ContainsKey(slot))
                    {
                        await ClearAsync(slot, ct);
                        cleared++;
                    }
                }

                foreach (var row in slots.Values)
                {
                    row.OnLock = false;
                }

                // Sets sent before a sweep went to a lock that was away or stale and are re-sent now; an answer still
                // owed for them would keep a slot pending until the answer horizon.
                unanswered.Clear();
                needSweep = false;
                LogSwept(logger, cleared, slots.Count);
            }
            else
            {
                foreach (var slot in toClear.Where(s => !slots.ContainsKey(s)))
                {
                    await ClearAsync(slot, ct);
                }
            }

            foreach (var row in slots.Values)
            {
                var credential = desired[row.CredentialId];
                var enabled = !lockout && !keypadOff && credential.Schedule.IsOpenAt(now, set!.Zone);
                if (!row.OnLock)
                {
                    await SendAsync(new JsonObject
                    {
                        ["pin_code"] = new JsonObject
                        {
                            ["user"] = row.Slot,
                            ["user_type"] = "unrestricted",
                            ["user_enabled"] = enabled,
                            ["pin_code"] = credential.Code,
                        },
                    }, ct);
                    if (!enabled)
                    {
                        // Locks that ignore user_enabled on SetPinCode still get the status explicitly.
                        await SendStatusAsync(row.Slot, enabled: false, ct);
                    }

                    row.OnLock = true;
                    Sent(row.Slot, now);
                    row.Enabled = enabled;
                    LogProgrammed(logger, row.Slot, row.CredentialId, enabled);
                }
                else if (row.Enabled != enabled)
                {
                    await SendStatusAsync(row.Slot, enabled, ct);
                    row.Enabled = enabled;
                    LogStatus(logger, row.Slot, row.CredentialId, enabled);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Try again on the next tick, from scratch.
            LogSendFailed(logger, e.Message);
            needSweep = true;
            foreach (var row in slots.Values)
            {
                row.OnLock = false;
            }
        }
    }

    private Task ClearAsync(int slot, CancellationToken ct) =>
        SendAsync(new JsonObject { ["pin_code"] = new JsonObject { ["user"] = slot, ["pin_code"] = null } }, ct);

    private Task SendStatusAsync(int slot, bool enabled, CancellationToken ct) =>
        SendAsync(new JsonObject { ["user_status"] = new JsonObject { ["user"] = slot, ["status"] = enabled ? "enabled" : "disabled" } }, ct);

    private Task SendAsync(JsonObject body, CancellationToken ct) => zigbee.SendToLockAsync(body.ToJsonString(), ct);

    private void EmitTable(CredentialSet? set)
    {
        if (!connected || (set is null && slots.Count == 0 && lastTable is null))
        {
            // Before the first connection every slot is "pending" only because the hub just started.
            return;
        }

        var list = new JsonArray();
        foreach (var row in slots.Values)
        {
            list.Add(new JsonObject { ["slot"] = row.Slot, ["credentialId"] = row.CredentialId, ["state"] = StateOf(row) });
        }

        var body = new JsonObject { ["version"] = set?.Version ?? 0, ["slots"] = list };
        var json = body.ToJsonString();
        if (json == lastTable)
        {
            return;
        }

        lastTable = json;
        store.SetValue(LastTableKey, json);
        body["lockId"] = LockId;
        Record("slot_table", body);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Lock slots re-synced: {Cleared} cleared, {Kept} to program")]
    private static partial void LogSwept(ILogger logger, int cleared, int kept);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slot {Slot} sent to the lock for credential {CredentialId} (enabled: {Enabled})")]
    private static partial void LogProgrammed(ILogger logger, int slot, string credentialId, bool enabled);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slot {Slot} of credential {CredentialId} enabled: {Enabled}")]
    private static partial void LogStatus(ILogger logger, int slot, string credentialId, bool enabled);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not program the lock: {Error}; retrying")]
    private static partial void LogSendFailed(ILogger logger, string error);
}
