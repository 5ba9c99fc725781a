using System.Text.Json.Nodes;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Keypad;

/// <summary>
/// The <c>slot_table</c> event: sent whenever the table as the server sees it (version, slots and their states) differs
/// from the last one sent, which is kept in hub.db so a restart does not send the same table again.
/// </summary>
internal sealed class SlotTableReport(KeypadStore store, KeypadEvents events)
{
    private const string LastTableKey = "slot_table_last";

    private string? last;

    public void Load() => last = store.GetValue(LastTableKey);

    /// <summary><paramref name="version"/>: of the stored set, null before the hub ever received one.</summary>
    public void Report(long? version, IReadOnlyList<SlotView> slots, bool sawConnection)
    {
        if (!sawConnection || (version is null && slots.Count == 0 && last is null))
        {
            // Before the first connection every slot is "pending" only because the hub just started.
            return;
        }

        // Compared (and kept) as {version, slots} JSON, the form hub.db has always held.
        var list = new JsonArray();
        foreach (var slot in slots)
        {
            list.Add(new JsonObject { ["slot"] = slot.Slot, ["credentialId"] = slot.CredentialId, ["state"] = slot.State });
        }

        var json = new JsonObject { ["version"] = version ?? 0, ["slots"] = list }.ToJsonString();
        if (json == last)
        {
            return;
        }

        last = json;
        store.SetValue(LastTableKey, json);
        events.SlotTable(version ?? 0, [.. slots.Select(s => new SlotEntry(s.Slot, s.CredentialId, s.State))]);
    }
}
