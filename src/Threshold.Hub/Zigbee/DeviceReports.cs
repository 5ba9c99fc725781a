using Threshold.Protocol.Events;

namespace Threshold.Hub.Zigbee;

internal enum Bolt
{
    Unknown,
    Locked,
    Unlocked,
    NotFullyLocked,
    Jammed,
}

internal enum DoorState
{
    Unknown,
    Open,
    Closed,
}

/// <summary>What <see cref="ZigbeeConnection"/> hands its readers, in the order the devices said it.</summary>
internal abstract record DeviceReport;

/// <summary>
/// A lock state message (zigbee2mqtt/&lt;lock&gt;), reduced to what the hub acts on. <see cref="Retained"/>: replayed by the
/// broker on (re)subscribing (zigbee2mqtt's retain option), so its action is past state, not something that just happened.
/// </summary>
internal sealed record LockReport(Bolt? Bolt, bool Jammed, string? Action, string? ActionSource, int? ActionUser, bool Retained = false)
    : DeviceReport
{
    /// <summary>
    /// Who moved the bolt as the lock tells it: <c>keypad</c>, <c>auto</c>, <c>manual</c> (thumb-turn, key), <c>rf</c> (a
    /// radio command: the hub's own only while one is pending, see <c>Door/UnlockOrigins.cs</c>) or <c>unknown</c> (no
    /// source, or one the hub does not drive such as <c>rfid</c>).
    /// </summary>
    public string Source => (Action, ActionSource) switch
    {
        (_, "keypad") => BoltSources.Keypad,
        ("auto_lock" or "schedule_lock" or "schedule_unlock", _) => BoltSources.Auto,
        (_, "rf") => BoltSources.Rf,
        ("manual_unlock" or "manual_lock" or "key_unlock" or "key_lock" or "one_touch_lock", _) or (_, "manual") => BoltSources.Manual,
        _ => BoltSources.Unknown,
    };

    /// <summary>The lock says it just carried out an unlock (whatever the bolt's state in the same message).</summary>
    public bool UnlockAction => !Retained && Action is "unlock" or "key_unlock" or "manual_unlock" or "schedule_unlock";
}

/// <summary>A contact sensor message: true = closed (devices.md).</summary>
internal sealed record ContactReport(bool Closed) : DeviceReport;

/// <summary>
/// A device (<see cref="DeviceNames"/>: the lock, the contact sensor, or the zigbee2mqtt bridge) changed availability.
/// <see cref="WasKnown"/>: it had reported before (so this is a change, not the first word since the hub started).
/// <see cref="Now"/>: every device's availability after this change; a reader acts on the availability as of the
/// reports it has handled, in order, not on a newer one it has not been told about yet.
/// </summary>
internal sealed record AvailabilityChanged(string Device, bool Online, bool WasKnown, Availability Now) : DeviceReport;

/// <summary>The home broker connection is (again) up and the device topics are subscribed: changes may have been missed.</summary>
internal sealed record ZigbeeConnected : DeviceReport;

/// <summary>Availability as the devices last reported it; null = not reported since the hub started.</summary>
internal sealed record Availability(bool? Lock, bool? Contact, bool? Bridge)
{
    public static readonly Availability Unknown = new(null, null, null);

    /// <summary>The lock can be driven: the broker is <paramref name="connected"/> and neither the lock nor the bridge reported offline.</summary>
    public bool LockReachable(bool connected) => connected && Lock != false && Bridge != false;

    public bool? Of(string device) => device switch
    {
        DeviceNames.Lock => Lock,
        DeviceNames.Contact => Contact,
        _ => Bridge,
    };

    public Availability With(string device, bool online) => device switch
    {
        DeviceNames.Lock => this with { Lock = online },
        DeviceNames.Contact => this with { Contact = online },
        _ => this with { Bridge = online },
    };
}

/// <summary>Who reads device reports, in delivery order (see <see cref="ZigbeeConnection.Subscribe"/>).</summary>
internal enum DeviceReader
{
    /// <summary>First: a keypad unlock must have started the door's session before the keypad may ask it to relock.</summary>
    Door,
    Keypad,
}
