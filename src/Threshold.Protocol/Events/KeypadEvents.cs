namespace Threshold.Protocol.Events;

/// <summary>The hub's slot table after each change; <see cref="Version"/> is the credential set it programs (0 for none).</summary>
public sealed record SlotTable(long Id, DateTimeOffset At, long Version, IReadOnlyList<SlotEntry> Slots, Guid? LockId = null) : HubEvent(Id, At)
{
    public bool Equals(SlotTable? other) =>
        other is not null && Id == other.Id && At == other.At && Version == other.Version && LockId == other.LockId && Slots.SequenceEqual(other.Slots);

    public override int GetHashCode() => HashCode.Combine(Id, Version, Slots.Count);
}

/// <summary>One slot of the lock; <see cref="State"/> is one of <see cref="SlotStates"/>.</summary>
public sealed record SlotEntry(int Slot, string CredentialId, string State);

/// <summary>Values of <see cref="SlotEntry.State"/>.</summary>
public static class SlotStates
{
    /// <summary>On the lock, confirmed, enabled.</summary>
    public const string Programmed = "programmed";

    /// <summary>Sent, not yet confirmed by the lock for every set sent to that slot.</summary>
    public const string Pending = "pending";

    /// <summary>On the lock, disabled (outside its window, lockout, cool-down).</summary>
    public const string Disabled = "disabled";
}

/// <summary>A keypad unlock matched to a credential.</summary>
public sealed record KeypadEntry(long Id, DateTimeOffset At, string CredentialId, int? Slot = null, Guid? LockId = null) : HubEvent(Id, At);

/// <summary>A single-use credential was used, or <c>maxEntries</c> reached; the slot is cleared.</summary>
public sealed record CredentialUsedUp(long Id, DateTimeOffset At, string CredentialId, int? Slot = null, Guid? LockId = null) : HubEvent(Id, At);

/// <summary>The wrong-code cool-down started: every slot is off until <see cref="Until"/>.</summary>
public sealed record KeypadDisabled(long Id, DateTimeOffset At, DateTimeOffset Until, Guid? LockId = null) : HubEvent(Id, At);

/// <summary>The wrong-code cool-down that lasted until <see cref="Until"/> ended.</summary>
public sealed record KeypadEnabled(long Id, DateTimeOffset At, DateTimeOffset Until, Guid? LockId = null) : HubEvent(Id, At);
