using System.Text.Json.Nodes;

namespace Threshold.Hub.Zigbee;

/// <summary>
/// What the hub sends the lock, as zigbee2mqtt takes it (shared/reference/devices.md): <c>/set</c> payloads, and the
/// <c>/get</c> state request. Payloads with a code are never logged; <see cref="SetPin"/> prints without it.
/// </summary>
internal abstract record LockCommand
{
    /// <summary>The topic leaf under the lock's topic.</summary>
    public virtual string Verb => "set";

    public abstract JsonObject Payload();
}

internal sealed record MoveBolt(bool Locked) : LockCommand
{
    public override JsonObject Payload() => new() { ["state"] = Locked ? "LOCK" : "UNLOCK" };
}

internal sealed record RequestLockState : LockCommand
{
    public override string Verb => "get";

    public override JsonObject Payload() => new() { ["state"] = "" };
}

/// <summary>A command to one user slot (PIN code slot) of the lock.</summary>
internal abstract record SlotCommand(int Slot) : LockCommand;

/// <summary>Programs user slot <see cref="Slot"/> with a code (user_type unrestricted), enabled or not.</summary>
internal sealed record SetPin(int Slot, string Code, bool Enabled) : SlotCommand(Slot)
{
    public override JsonObject Payload() => new()
    {
        ["pin_code"] = new JsonObject { ["user"] = Slot, ["user_type"] = "unrestricted", ["user_enabled"] = Enabled, ["pin_code"] = Code },
    };

    public override string ToString() => $"SetPin {{ Slot = {Slot}, Enabled = {Enabled} }}"; // never the code
}

internal sealed record ClearPin(int Slot) : SlotCommand(Slot)
{
    public override JsonObject Payload() => new() { ["pin_code"] = new JsonObject { ["user"] = Slot, ["pin_code"] = null } };
}

internal sealed record SetUserStatus(int Slot, bool Enabled) : SlotCommand(Slot)
{
    public override JsonObject Payload() => new() { ["user_status"] = new JsonObject { ["user"] = Slot, ["status"] = Enabled ? "enabled" : "disabled" } };
}
