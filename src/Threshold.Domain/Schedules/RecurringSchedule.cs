using System.Collections.Frozen;

namespace Threshold.Domain.Schedules;

/// <summary>
/// Open on the listed days of week between <see cref="Start"/> (inclusive) and <see cref="End"/>
/// (exclusive), on the home's local wall clock.
/// </summary>
/// <remarks>
/// <para>End &lt; Start spans midnight: the listed day is the day the range STARTS, so "Friday
/// 22:00–06:00" is open Friday 22:00 until midnight and Saturday midnight until 06:00.</para>
/// <para>DST: the instant is converted to local wall time and only the wall clock is compared.
/// A range lying wholly in a spring-forward gap therefore does not occur that day, and in a
/// fall-back the repeated hour is open both times — which is what a resident who wrote "01:00–02:00"
/// means.</para>
/// </remarks>
public sealed record RecurringSchedule : Schedule
{
    public RecurringSchedule(IReadOnlySet<DayOfWeek> Days, TimeOnly Start, TimeOnly End)
    {
        ArgumentNullException.ThrowIfNull(Days);
        if (Days.Count == 0)
        {
            throw new DomainException(DomainErrorCodes.InvalidSchedule, "A recurring schedule needs at least one day.");
        }

        if (Days.Any(d => !Enum.IsDefined(d)))
        {
            throw new DomainException(DomainErrorCodes.InvalidSchedule, "Unknown day of week.");
        }

        if (Start == End)
        {
            throw new DomainException(DomainErrorCodes.InvalidSchedule, "Start and end must differ.");
        }

        // Own an immutable copy: the caller's set must not be able to widen the schedule later.
        this.Days = Days.ToFrozenSet();
        this.Start = Start;
        this.End = End;
    }

    public IReadOnlySet<DayOfWeek> Days { get; }
    public TimeOnly Start { get; }
    public TimeOnly End { get; }

    /// <summary>True when the range crosses local midnight.</summary>
    public bool SpansMidnight => End < Start;

    public override bool IsOpenAt(DateTimeOffset instant, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var day = local.DayOfWeek;

        if (!SpansMidnight)
        {
            return Days.Contains(day) && Start <= time && time < End;
        }

        var previousDay = (DayOfWeek)(((int)day + 6) % 7);
        return (Days.Contains(day) && time >= Start) || (Days.Contains(previousDay) && time < End);
    }

    public void Deconstruct(out IReadOnlySet<DayOfWeek> days, out TimeOnly start, out TimeOnly end) =>
        (days, start, end) = (Days, Start, End);

    // Value semantics over the set's contents, not its reference.
    public bool Equals(RecurringSchedule? other) =>
        other is not null && Start == other.Start && End == other.End && Days.SetEquals(other.Days);

    public override int GetHashCode()
    {
        var mask = Days.Aggregate(0, (acc, d) => acc | (1 << (int)d));
        return HashCode.Combine(mask, Start, End);
    }
}
