namespace Threshold.Domain.Schedules;

/// <summary>
/// When a grant may be used. Every window is start-INCLUSIVE and end-EXCLUSIVE: open exactly at
/// its start, closed exactly at its end, so back-to-back windows never overlap or leave a gap.
/// </summary>
public abstract record Schedule
{
    /// <param name="instant">The moment of the request.</param>
    /// <param name="zone">The home's zone; local-time schedules are evaluated on its wall clock.</param>
    public abstract bool IsOpenAt(DateTimeOffset instant, TimeZoneInfo zone);

    private protected static DateTimeOffset RequireBefore(DateTimeOffset from, DateTimeOffset to) =>
        from < to
            ? to
            : throw new DomainException(DomainErrorCodes.InvalidSchedule, "The schedule must start before it ends.");
}

/// <summary>Open at every instant.</summary>
public sealed record AlwaysSchedule : Schedule
{
    public override bool IsOpenAt(DateTimeOffset instant, TimeZoneInfo zone) => true;
}

/// <summary>Open for any number of entries from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive).</summary>
public sealed record TemporarySchedule(DateTimeOffset From, DateTimeOffset To) : Schedule
{
    public DateTimeOffset From { get; } = From;
    public DateTimeOffset To { get; } = RequireBefore(From, To);

    // Absolute instants: the zone does not matter, DateTimeOffset compares in UTC.
    public override bool IsOpenAt(DateTimeOffset instant, TimeZoneInfo zone) => From <= instant && instant < To;
}

/// <summary>
/// A single entry from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive). The schedule
/// only knows the window; the owning grant enforces "single".
/// </summary>
public sealed record OnceSchedule(DateTimeOffset From, DateTimeOffset To) : Schedule
{
    public DateTimeOffset From { get; } = From;
    public DateTimeOffset To { get; } = RequireBefore(From, To);

    public override bool IsOpenAt(DateTimeOffset instant, TimeZoneInfo zone) => From <= instant && instant < To;
}
