using System.Globalization;
using System.Text.Json.Nodes;
using Threshold.Hub.Outbox;
using Threshold.Hub.Storage;

namespace Threshold.Hub.Keypad;

/// <summary>What the keypad tells the server through the outbox (docs/hub-protocol.md "Credentials on the hub"). Never a code.</summary>
internal sealed class KeypadEvents(EventOutbox outbox, HubRuntime runtime)
{
    private string? LockId => runtime.LockId;

    public void Entry(string credentialId, int slot) =>
        outbox.Append("keypad_entry", new JsonObject { ["credentialId"] = credentialId, ["slot"] = slot, ["lockId"] = LockId });

    public void UsedUp(string credentialId, int slot) =>
        outbox.Append("credential_used_up", new JsonObject { ["credentialId"] = credentialId, ["slot"] = slot, ["lockId"] = LockId });

    public void Disabled(DateTimeOffset until) => outbox.Append("keypad_disabled", new JsonObject { ["until"] = Iso(until), ["lockId"] = LockId });

    public void Enabled(DateTimeOffset until) => outbox.Append("keypad_enabled", new JsonObject { ["until"] = Iso(until), ["lockId"] = LockId });

    /// <summary>The slot table as the server shows it; <paramref name="table"/> is {version, slots}, the lock id is added here.</summary>
    public void SlotTable(JsonObject table)
    {
        table["lockId"] = LockId;
        outbox.Append("slot_table", table);
    }

    public void Alarm(string alarm, JsonObject? extra = null) => outbox.Alarm(alarm, LockId, extra);

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
