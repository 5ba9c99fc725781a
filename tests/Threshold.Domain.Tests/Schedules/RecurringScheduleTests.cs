using Threshold.Domain.Schedules;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Schedules;

public sealed class RecurringScheduleTests
{
    // 2026-03-03 is a Tuesday; Berlin is on CET (+01:00) then.
    private static readonly RecurringSchedule TuesdayNineToFive =
        new(new HashSet<DayOfWeek> { DayOfWeek.Tuesday }, new TimeOnly(9, 0), new TimeOnly(17, 0));

    private static RecurringSchedule Overnight(params DayOfWeek[] days) =>
        new(days.ToHashSet(), new TimeOnly(22, 0), new TimeOnly(6, 0));

    [Fact]
    public void IsOpenAt_TuesdayAtStartLocal_Open()
    {
        Assert.True(TuesdayNineToFive.IsOpenAt(Local(Berlin, 2026, 3, 3, 9, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_SameInstantDifferentZone_EvaluatedOnThatZonesWallClock()
    {
        // 08:30 UTC on a Tuesday is 09:30 in Berlin (open) but 08:30 in UTC (closed).
        var instant = new DateTimeOffset(2026, 3, 3, 8, 30, 0, TimeSpan.Zero);

        Assert.True(TuesdayNineToFive.IsOpenAt(instant, Berlin));
        Assert.False(TuesdayNineToFive.IsOpenAt(instant, TimeZoneInfo.Utc));
    }

    [Fact]
    public void IsOpenAt_TuesdayOneSecondBeforeStart_Closed()
    {
        Assert.False(TuesdayNineToFive.IsOpenAt(Local(Berlin, 2026, 3, 3, 8, 59, 59), Berlin));
    }

    [Fact]
    public void IsOpenAt_TuesdayOneTickBeforeEnd_Open()
    {
        Assert.True(TuesdayNineToFive.IsOpenAt(Local(Berlin, 2026, 3, 3, 17, 0).AddTicks(-1), Berlin));
    }

    [Fact]
    public void IsOpenAt_TuesdayExactlyAtEnd_Closed()
    {
        Assert.False(TuesdayNineToFive.IsOpenAt(Local(Berlin, 2026, 3, 3, 17, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_WednesdayInsideHours_Closed()
    {
        Assert.False(TuesdayNineToFive.IsOpenAt(Local(Berlin, 2026, 3, 4, 12, 0), Berlin));
    }

    // Overnight 22:00–06:00 listed Friday. 2026-03-05 Thu, 06 Fri, 07 Sat.
    [Fact]
    public void IsOpenAt_OvernightFridayAt2300_Open()
    {
        Assert.True(Overnight(DayOfWeek.Friday).IsOpenAt(Local(Berlin, 2026, 3, 6, 23, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_OvernightSaturdayAt0559_Open()
    {
        Assert.True(Overnight(DayOfWeek.Friday).IsOpenAt(Local(Berlin, 2026, 3, 7, 5, 59), Berlin));
    }

    [Fact]
    public void IsOpenAt_OvernightSaturdayAt0600_Closed()
    {
        Assert.False(Overnight(DayOfWeek.Friday).IsOpenAt(Local(Berlin, 2026, 3, 7, 6, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_OvernightSaturday2300SaturdayNotListed_Closed()
    {
        Assert.False(Overnight(DayOfWeek.Friday).IsOpenAt(Local(Berlin, 2026, 3, 7, 23, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_OvernightSaturday2300SaturdayListed_Open()
    {
        Assert.True(Overnight(DayOfWeek.Friday, DayOfWeek.Saturday).IsOpenAt(Local(Berlin, 2026, 3, 7, 23, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_OvernightThursday0500WednesdayNotListed_Closed()
    {
        Assert.False(Overnight(DayOfWeek.Friday).IsOpenAt(Local(Berlin, 2026, 3, 5, 5, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_OvernightThursday0500WednesdayListed_Open()
    {
        Assert.True(Overnight(DayOfWeek.Wednesday, DayOfWeek.Friday).IsOpenAt(Local(Berlin, 2026, 3, 5, 5, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_OvernightSaturdayIntoSunday_WrapsWeek()
    {
        // Listed Saturday: open Sunday 05:00 (DayOfWeek.Sunday = 0 must wrap back to Saturday = 6).
        Assert.True(Overnight(DayOfWeek.Saturday).IsOpenAt(Local(Berlin, 2026, 3, 8, 5, 0), Berlin));
    }

    [Fact]
    public void IsOpenAt_OvernightFridayBeforeStart_Closed()
    {
        Assert.False(Overnight(DayOfWeek.Friday).IsOpenAt(Local(Berlin, 2026, 3, 6, 21, 59), Berlin));
    }

    [Fact]
    public void Constructor_NoDays_ThrowsInvalidSchedule()
    {
        var ex = Assert.Throws<DomainException>(() => new RecurringSchedule(new HashSet<DayOfWeek>(), new TimeOnly(9, 0), new TimeOnly(17, 0)));

        Assert.Equal(DomainErrorCodes.InvalidSchedule, ex.Code);
    }

    [Fact]
    public void Constructor_StartEqualsEnd_ThrowsInvalidSchedule()
    {
        var ex = Assert.Throws<DomainException>(() => new RecurringSchedule(new HashSet<DayOfWeek> { DayOfWeek.Monday }, new TimeOnly(9, 0), new TimeOnly(9, 0)));

        Assert.Equal(DomainErrorCodes.InvalidSchedule, ex.Code);
    }

    [Fact]
    public void Constructor_UndefinedDay_ThrowsInvalidSchedule()
    {
        var ex = Assert.Throws<DomainException>(() => new RecurringSchedule(new HashSet<DayOfWeek> { (DayOfWeek)7 }, new TimeOnly(9, 0), new TimeOnly(17, 0)));

        Assert.Equal(DomainErrorCodes.InvalidSchedule, ex.Code);
    }

    [Fact]
    public void Constructor_CallerMutatesSetAfterwards_ScheduleUnchanged()
    {
        var days = new HashSet<DayOfWeek> { DayOfWeek.Tuesday };
        var schedule = new RecurringSchedule(days, new TimeOnly(9, 0), new TimeOnly(17, 0));

        days.Add(DayOfWeek.Wednesday);

        Assert.False(schedule.IsOpenAt(Local(Berlin, 2026, 3, 4, 12, 0), Berlin));
    }

    [Fact]
    public void Equals_SameDaysInDifferentSets_Equal()
    {
        var a = new RecurringSchedule(new HashSet<DayOfWeek> { DayOfWeek.Monday, DayOfWeek.Friday }, new TimeOnly(9, 0), new TimeOnly(17, 0));
        var b = new RecurringSchedule(new SortedSet<DayOfWeek> { DayOfWeek.Friday, DayOfWeek.Monday }, new TimeOnly(9, 0), new TimeOnly(17, 0));

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, TuesdayNineToFive);
    }
}
