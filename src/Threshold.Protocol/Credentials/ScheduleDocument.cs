using System.Text.Json.Serialization;
using Threshold.Domain;
using Threshold.Domain.Schedules;

namespace Threshold.Protocol.Credentials;

/// <summary>
/// The one JSON form of a schedule, in the credential set and in the server's API and database:
/// <c>{"type":"always"}</c> | <c>{"type":"temporary"|"once","from":"&lt;instant&gt;","to":"&lt;instant&gt;"}</c> |
/// <c>{"type":"recurring","days":["tuesday"],"from":"09:00","to":"17:00"}</c>. Instants carry an offset, local
/// times are exactly HH:mm, unknown fields are refused. What a schedule means is <see cref="Schedule"/>'s business.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AlwaysScheduleDocument), "always")]
[JsonDerivedType(typeof(TemporaryScheduleDocument), "temporary")]
[JsonDerivedType(typeof(OnceScheduleDocument), "once")]
[JsonDerivedType(typeof(RecurringScheduleDocument), "recurring")]
public abstract record ScheduleDocument
{
    private protected ScheduleDocument()
    {
    }

    /// <summary>The domain schedule; throws <see cref="DomainException"/> when the document breaks its rules (e.g. from ≥ to).</summary>
    public abstract Schedule ToSchedule();

    public static ScheduleDocument Of(Schedule schedule) => schedule switch
    {
        AlwaysSchedule => new AlwaysScheduleDocument(),
        TemporarySchedule t => new TemporaryScheduleDocument(t.From, t.To),
        OnceSchedule o => new OnceScheduleDocument(o.From, o.To),
        RecurringSchedule r => new RecurringScheduleDocument([.. r.Days.Order()], r.Start, r.End),
        _ => throw new ArgumentOutOfRangeException(nameof(schedule), schedule.GetType().Name, "Unknown schedule type."),
    };
}

public sealed record AlwaysScheduleDocument : ScheduleDocument
{
    public override Schedule ToSchedule() => new AlwaysSchedule();
}

/// <summary>Open for any number of entries from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive).</summary>
public sealed record TemporaryScheduleDocument(DateTimeOffset From, DateTimeOffset To) : ScheduleDocument
{
    public override Schedule ToSchedule() => new TemporarySchedule(From, To);
}

/// <summary>One entry between <see cref="From"/> (inclusive) and <see cref="To"/> (exclusive).</summary>
public sealed record OnceScheduleDocument(DateTimeOffset From, DateTimeOffset To) : ScheduleDocument
{
    public override Schedule ToSchedule() => new OnceSchedule(From, To);
}

/// <summary>On the listed days, from <see cref="From"/> to <see cref="To"/> on the home's wall clock.</summary>
public sealed record RecurringScheduleDocument(IReadOnlyList<DayOfWeek> Days, TimeOnly From, TimeOnly To) : ScheduleDocument
{
    public override Schedule ToSchedule() => new RecurringSchedule(Days.ToHashSet(), From, To);

    // Value semantics over the days, not the list's reference.
    public bool Equals(RecurringScheduleDocument? other) =>
        other is not null && From == other.From && To == other.To && Days.SequenceEqual(other.Days);

    public override int GetHashCode() => HashCode.Combine(From, To, Days.Count);
}
