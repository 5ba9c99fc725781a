using Threshold.Hub.Outbox;
using Threshold.Hub.Storage;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Keypad;

/// <summary>
/// What the keypad tells the server (docs/hub-protocol.md "Credentials on the hub"): Protocol's records, through the
/// outbox, which sets their id and time. Never a code.
/// </summary>
internal sealed class KeypadEvents(EventOutbox outbox, HubRuntime runtime)
{
    private Guid? LockId => runtime.LockId;

    public void Entry(string credentialId, int slot) => outbox.Append(new KeypadEntry(0, default, credentialId, slot, LockId));

    public void UsedUp(string credentialId, int slot) => outbox.Append(new CredentialUsedUp(0, default, credentialId, slot, LockId));

    public void Disabled(DateTimeOffset until) => outbox.Append(new KeypadDisabled(0, default, until, LockId));

    public void Enabled(DateTimeOffset until) => outbox.Append(new KeypadEnabled(0, default, until, LockId));

    public void SlotTable(long version, IReadOnlyList<SlotEntry> slots) => outbox.Append(new SlotTable(0, default, version, slots, LockId));

    public void Alarm(string code, int? slot = null, string? credentialId = null, string? reason = null) =>
        outbox.Append(new Alarm(0, default, code, LockId, slot, credentialId, reason));
}
