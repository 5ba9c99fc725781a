namespace Threshold.Protocol.Events;

/// <summary>
/// The hub carried out a command: for <c>unlock</c>/<c>lock</c> after the lock confirmed the state, with the access
/// <see cref="Reference"/> it was sent with; for <c>sync_credentials</c> after the set was stored, with its <see cref="Version"/>.
/// </summary>
public sealed record CommandExecuted(
    long Id, DateTimeOffset At, string Jti, string Cmd, Guid LockId, string? Reference = null, long? Version = null) : HubEvent(Id, At);

/// <summary>The hub refused a command; <see cref="Error"/> is one of <see cref="ProtocolErrors"/>; no jti when none could be read.</summary>
public sealed record CommandRefused(long Id, DateTimeOffset At, string? Jti, string Error) : HubEvent(Id, At);

/// <summary>
/// Something the household must hear about; <see cref="Code"/> (<c>"alarm"</c> on the wire) is one of
/// <see cref="AlarmCodes"/>. The optional fields say more for the alarms that have it.
/// </summary>
public sealed record Alarm(
    long Id,
    DateTimeOffset At,
    [property: System.Text.Json.Serialization.JsonPropertyName("alarm")] string Code,
    Guid? LockId = null,
    int? Slot = null,
    string? CredentialId = null,
    string? Reason = null,
    string? Error = null) : HubEvent(Id, At);

/// <summary>Values of <see cref="Alarm.Code"/>.</summary>
public static class AlarmCodes
{
    public const string DoorHeldOpen = "door_held_open";
    public const string DoorForced = "door_forced";
    public const string LockJammed = "lock_jammed";

    /// <summary>A relock did not reach "locked"; <c>reason</c> is the relock reason, <c>error</c> what went wrong.</summary>
    public const string RelockFailed = "relock_failed";
    public const string DeviceOffline = "device_offline";

    /// <summary>A keypad unlock with a slot the hub does not manage; <c>slot</c>.</summary>
    public const string KeypadUnknownUser = "keypad_unknown_user";

    /// <summary>A keypad unlock through a slot whose new code the lock has not confirmed; <c>slot</c>.</summary>
    public const string KeypadUnconfirmedSlot = "keypad_unconfirmed_slot";

    /// <summary>A keypad unlock the hub would not have allowed; <c>credentialId</c>, <c>slot</c>, <c>reason</c>.</summary>
    public const string KeypadNotAllowed = "keypad_not_allowed";
    public const string WrongCodeLimit = "wrong_code_limit";

    /// <summary>
    /// The bolt opened with no session and no unlock of the hub's own pending (the lock reported a radio command the hub
    /// did not send, or did not say who): the hub relocks at once (<c>reason</c> <c>unlock_not_commanded</c>).
    /// </summary>
    public const string UnlockNotCommanded = "unlock_not_commanded";

    /// <summary>A thumb-turn or key unlocked the door during lockout; recorded as manual, relocked by the usual rules.</summary>
    public const string ManualUnlockDuringLockout = "manual_unlock_during_lockout";

    /// <summary>
    /// The lock reported "locked" while the door contact reported open for longer than a bolt takes (hub); or such a
    /// report reached a delivery in progress, which it did not move (server, with <c>deliveryId</c>).
    /// </summary>
    public const string LockedWhileOpen = "locked_while_open";

    /// <summary>A lock report while zigbee2mqtt says the lock or the bridge is offline: nothing real sent it; not applied.</summary>
    public const string LockReportWithoutDevice = "lock_report_without_device";

    /// <summary>Raised by the server, not a hub: the hub went offline while a delivery was under way (with <c>deliveryId</c>).</summary>
    public const string HubOfflineDuringDelivery = "hub_offline_during_delivery";

    /// <summary>
    /// The home broker admits an anonymous client, or a client other than the hub could command a device; raised when a
    /// check first finds it so, not on every check; <c>reason</c> is one of <see cref="HomeBrokerOpenReasons"/>.
    /// </summary>
    public const string HomeBrokerOpen = "home_broker_open";
}

/// <summary>Values of <see cref="Alarm.Reason"/> for <see cref="AlarmCodes.HomeBrokerOpen"/>.</summary>
public static class HomeBrokerOpenReasons
{
    public const string AnonymousAdmitted = "anonymous_admitted";
    public const string SetByOtherClient = "set_by_other_client";
}
