namespace Threshold.Protocol.Events;

/// <summary>An event about one lock's door or bolt.</summary>
public abstract record LockEvent(long Id, DateTimeOffset At, Guid LockId) : HubEvent(Id, At);

public sealed record DoorOpened(long Id, DateTimeOffset At, Guid LockId) : LockEvent(Id, At, LockId);

public sealed record DoorClosed(long Id, DateTimeOffset At, Guid LockId) : LockEvent(Id, At, LockId);

/// <summary>A bolt change; <see cref="Source"/> is one of <see cref="BoltSources"/>.</summary>
public abstract record BoltEvent(long Id, DateTimeOffset At, Guid LockId, string Source) : LockEvent(Id, At, LockId);

public sealed record BoltLocked(long Id, DateTimeOffset At, Guid LockId, string Source) : BoltEvent(Id, At, LockId, Source);

public sealed record BoltUnlocked(long Id, DateTimeOffset At, Guid LockId, string Source) : BoltEvent(Id, At, LockId, Source);

public sealed record BoltJammed(long Id, DateTimeOffset At, Guid LockId, string Source) : BoltEvent(Id, At, LockId, Source);

public sealed record BoltNotFullyLocked(long Id, DateTimeOffset At, Guid LockId, string Source) : BoltEvent(Id, At, LockId, Source);

/// <summary>The hub locked again on its own; <see cref="Reason"/> is one of <see cref="RelockReasons"/>.</summary>
public sealed record Relocked(long Id, DateTimeOffset At, Guid LockId, string Reason) : LockEvent(Id, At, LockId);

/// <summary>A device (<c>lock</c>, <c>contact</c>, <c>bridge</c>) went on- or offline.</summary>
public sealed record DeviceAvailability(long Id, DateTimeOffset At, string Device, bool Online) : HubEvent(Id, At);

/// <summary>Who moved the bolt.</summary>
public static class BoltSources
{
    /// <summary>A command the hub sent (a server command, through the hub).</summary>
    public const string Command = "command";

    /// <summary>The lock reported a radio command the hub did not send (anyone on the home broker can send one).</summary>
    public const string Rf = "rf";

    /// <summary>The lock did not say who (or named a source the hub does not drive, such as an RFID card).</summary>
    public const string Unknown = "unknown";
    public const string Keypad = "keypad";

    /// <summary>By hand: the thumb turn or a key.</summary>
    public const string Manual = "manual";

    /// <summary>The hub's own relock, or the lock's auto-lock.</summary>
    public const string Auto = "auto";
}

/// <summary>Why the hub relocked.</summary>
public static class RelockReasons
{
    public const string DoorClosed = "door_closed";
    public const string MaxUnlockedTime = "max_unlocked_time";

    /// <summary>Found unlocked with no session the hub knows of (fail secure).</summary>
    public const string Startup = "startup";

    /// <summary>A keypad unlock through a slot whose new code the lock has not confirmed.</summary>
    public const string KeypadUnconfirmedSlot = "keypad_unconfirmed_slot";

    /// <summary>A keypad unlock the hub would not have allowed (outside the window, lockout, used up).</summary>
    public const string KeypadRefused = "keypad_refused";

    /// <summary>An unlock the hub did not command (<see cref="AlarmCodes.UnlockNotCommanded"/>).</summary>
    public const string UnlockNotCommanded = "unlock_not_commanded";
}

/// <summary>Device names of <see cref="DeviceAvailability.Device"/>.</summary>
public static class DeviceNames
{
    public const string Lock = "lock";
    public const string Contact = "contact";
    public const string Bridge = "bridge";
}
