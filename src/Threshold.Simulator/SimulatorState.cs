using System.Text.Json.Serialization;

namespace Threshold.Simulator;

/// <summary>What the control surface reports: physical truth, never PIN codes.</summary>
public sealed record SimulatorState(BoltPosition Bolt, DoorPosition Door, bool Online, IReadOnlyList<SlotState> Slots)
{
    internal bool SameAs(SimulatorState other) =>
        Bolt == other.Bolt && Door == other.Door && Online == other.Online && Slots.SequenceEqual(other.Slots);
}

/// <summary>A programmed PIN slot (the code itself is deliberately absent).</summary>
public sealed record SlotState(int User, bool Enabled);

[JsonConverter(typeof(JsonStringEnumConverter<BoltPosition>))]
public enum BoltPosition
{
    [JsonStringEnumMemberName("locked")]
    Locked,

    [JsonStringEnumMemberName("unlocked")]
    Unlocked,

    /// <summary>The motor is jammed: commands leave the lock <c>not_fully_locked</c>.</summary>
    [JsonStringEnumMemberName("jammed")]
    Jammed,
}

[JsonConverter(typeof(JsonStringEnumConverter<DoorPosition>))]
public enum DoorPosition
{
    [JsonStringEnumMemberName("open")]
    Open,

    [JsonStringEnumMemberName("closed")]
    Closed,
}

/// <summary>Thrown when a control action is physically impossible (HTTP 409 with <see cref="Code"/>).</summary>
public sealed class SimulatorConflictException(string code, string message) : InvalidOperationException(message)
{
    public string Code { get; } = code;
}
