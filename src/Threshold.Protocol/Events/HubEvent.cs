using System.Text.Json.Serialization;

namespace Threshold.Protocol.Events;

/// <summary>
/// One event in a hub's signed batch (docs/hub-protocol.md "Events"): <c>{"id","type","at",…}</c>, <c>id</c> a hub-local
/// increasing number, <c>at</c> an instant with offset. The set of types is closed: an unknown <c>type</c> is refused
/// (<see cref="HubEventJson"/>). Vocabularies inside an event (alarm codes, bolt sources, relock reasons) stay open
/// strings with their known values in <see cref="AlarmCodes"/>, <see cref="BoltSources"/> and <see cref="RelockReasons"/>,
/// so that a newer hub's alarm still reaches the household instead of being dropped.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(DoorOpened), HubEventTypes.DoorOpened)]
[JsonDerivedType(typeof(DoorClosed), HubEventTypes.DoorClosed)]
[JsonDerivedType(typeof(BoltLocked), HubEventTypes.BoltLocked)]
[JsonDerivedType(typeof(BoltUnlocked), HubEventTypes.BoltUnlocked)]
[JsonDerivedType(typeof(BoltJammed), HubEventTypes.BoltJammed)]
[JsonDerivedType(typeof(BoltNotFullyLocked), HubEventTypes.BoltNotFullyLocked)]
[JsonDerivedType(typeof(Relocked), HubEventTypes.Relocked)]
[JsonDerivedType(typeof(DeviceAvailability), HubEventTypes.DeviceAvailability)]
[JsonDerivedType(typeof(CommandExecuted), HubEventTypes.CommandExecuted)]
[JsonDerivedType(typeof(CommandRefused), HubEventTypes.CommandRefused)]
[JsonDerivedType(typeof(Alarm), HubEventTypes.Alarm)]
[JsonDerivedType(typeof(SlotTable), HubEventTypes.SlotTable)]
[JsonDerivedType(typeof(KeypadEntry), HubEventTypes.KeypadEntry)]
[JsonDerivedType(typeof(CredentialUsedUp), HubEventTypes.CredentialUsedUp)]
[JsonDerivedType(typeof(KeypadDisabled), HubEventTypes.KeypadDisabled)]
[JsonDerivedType(typeof(KeypadEnabled), HubEventTypes.KeypadEnabled)]
public abstract record HubEvent([property: JsonPropertyOrder(-2)] long Id, [property: JsonPropertyOrder(-1)] DateTimeOffset At);

/// <summary>The <c>type</c> of each <see cref="HubEvent"/>.</summary>
public static class HubEventTypes
{
    public const string DoorOpened = "door_opened";
    public const string DoorClosed = "door_closed";
    public const string BoltLocked = "bolt_locked";
    public const string BoltUnlocked = "bolt_unlocked";
    public const string BoltJammed = "bolt_jammed";
    public const string BoltNotFullyLocked = "bolt_not_fully_locked";
    public const string Relocked = "relocked";
    public const string DeviceAvailability = "device_availability";
    public const string CommandExecuted = "command_executed";
    public const string CommandRefused = "command_refused";
    public const string Alarm = "alarm";
    public const string SlotTable = "slot_table";
    public const string KeypadEntry = "keypad_entry";
    public const string CredentialUsedUp = "credential_used_up";
    public const string KeypadDisabled = "keypad_disabled";
    public const string KeypadEnabled = "keypad_enabled";
}
