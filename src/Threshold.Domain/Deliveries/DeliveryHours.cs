using System.Collections.Frozen;

namespace Threshold.Domain.Deliveries;

/// <summary>
/// The days and local hours a home accepts deliveries from one carrier: from <see cref="From"/> (inclusive) for the
/// length up to <see cref="To"/> (exclusive), starting on each listed day, on the home's wall clock.
/// </summary>
/// <remarks>
/// <para><see cref="To"/> earlier than <see cref="From"/> runs past midnight into the next day ("Friday 22:00–06:00"
/// is open Friday 22:00 to Saturday 06:00). <see cref="To"/> equal to <see cref="From"/> is a whole day from
/// <see cref="From"/>, so 00:00–00:00 on every day is <see cref="AnyTime"/>; the API spells that end "24:00" and reads a
/// resident's "23:59" the same way, because nobody who writes "until 23:59" means to close the last minute of the day.</para>
/// <para>Unlike a guest's recurring schedule, the hours are only checked on the server when a carrier books a window
/// (<see cref="Covers"/>), so a whole-day range needs no counterpart on the hub.</para>
/// <para>DST: only the wall clock is compared, as in <see cref="Schedules.RecurringSchedule"/>.</para>
/// </remarks>
public sealed record DeliveryHours
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    public DeliveryHours(IReadOnlySet<DayOfWeek> days, TimeOnly from, TimeOnly to)
    {
        ArgumentNullException.ThrowIfNull(days);
        if (days.Count == 0)
        {
            throw new DomainException(DomainErrorCodes.InvalidSchedule, "Delivery hours need at least one day.");
        }

        if (days.Any(d => !Enum.IsDefined(d)))
        {
            throw new DomainException(DomainErrorCodes.InvalidSchedule, "Unknown day of week.");
        }

        if (from.Second != 0 || from.Millisecond != 0 || to.Second != 0 || to.Millisecond != 0)
        {
            // Covers probes whole minutes; an edge inside a minute would make it inexact.
            throw new DomainException(DomainErrorCodes.InvalidSchedule, "Delivery hours start and end on whole minutes.");
        }

        Days = days.ToFrozenSet();
        From = from;
        To = to;
    }

    /// <summary>Every day, all day.</summary>
    public static DeliveryHours AnyTime { get; } = new(Enum.GetValues<DayOfWeek>().ToHashSet(), TimeOnly.MinValue, TimeOnly.MinValue);

    public IReadOnlySet<DayOfWeek> Days { get; }
    public TimeOnly From { get; }
    public TimeOnly To { get; }

    public bool IsAnyTime => Days.Count == 7 && From == To;

    /// <summary>How long the range lasts from <see cref="From"/>; a whole day when the ends are equal.</summary>
    public TimeSpan Length => From == To ? Day : Wrap(To.ToTimeSpan() - From.ToTimeSpan());

    public bool IsOpenAt(DateTimeOffset instant, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var time = local.TimeOfDay;
        var from = From.ToTimeSpan();
        // The range that may contain this moment started today if we are past From, else yesterday.
        var startDay = time >= from ? local.DayOfWeek : (DayOfWeek)(((int)local.DayOfWeek + 6) % 7);
        var sinceStart = Wrap(time - from);
        return Days.Contains(startDay) && sinceStart < Length;
    }

    /// <summary>True when every moment of [start, end) falls inside these hours.</summary>
    public bool Covers(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (IsAnyTime)
        {
            return true;
        }

        // Edges sit on whole local minutes (and zone offsets are whole minutes), so probing each minute of the window
        // and its last instant is exact.
        for (var t = start; t < end; t = t.AddMinutes(1))
        {
            if (!IsOpenAt(t, zone))
            {
                return false;
            }
        }

        return IsOpenAt(end.AddTicks(-1), zone);
    }

    /// <summary>A time difference folded into [0, 24 h).</summary>
    private static TimeSpan Wrap(TimeSpan difference) => TimeSpan.FromTicks(((difference.Ticks % Day.Ticks) + Day.Ticks) % Day.Ticks);

    public bool Equals(DeliveryHours? other) =>
        other is not null && From == other.From && To == other.To && Days.SetEquals(other.Days);

    public override int GetHashCode() => HashCode.Combine(Days.Aggregate(0, (m, d) => m | (1 << (int)d)), From, To);
}
