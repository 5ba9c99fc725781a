using Threshold.Domain.Schedules;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Schedules;

/// <summary>
/// America/New_York 2026: spring forward Sun 8 March 02:00 EST → 03:00 EDT (07:00Z);
/// fall back Sun 1 November 02:00 EDT → 01:00 EST (06:00Z).
/// </summary>
public sealed class DstScheduleTests
{
    private static RecurringSchedule Sunday(int startHour, int endHour) =>
        new(new HashSet<DayOfWeek> { DayOfWeek.Sunday }, new TimeOnly(startHour, 0), new TimeOnly(endHour, 0));

    [Fact]
    public void IsOpenAt_RangeInsideSpringForwardGap_NeverOpenThatDay()
    {
        var schedule = Sunday(2, 3);
        var dayStart = new DateTimeOffset(2026, 3, 8, 5, 0, 0, TimeSpan.Zero); // local midnight EST

        var openMinutes = Enumerable.Range(0, 23 * 60)
            .Select(m => dayStart.AddMinutes(m))
            .Count(t => schedule.IsOpenAt(t, NewYork));

        Assert.Equal(0, openMinutes);
    }

    [Fact]
    public void IsOpenAt_RangeInsideSpringForwardGapOrdinarySunday_OpenOneHour()
    {
        // Control for the test above: the same range on an ordinary Sunday is open for 60 minutes.
        var schedule = Sunday(2, 3);
        var dayStart = new DateTimeOffset(2026, 3, 15, 4, 0, 0, TimeSpan.Zero); // local midnight EDT

        var openMinutes = Enumerable.Range(0, 24 * 60)
            .Select(m => dayStart.AddMinutes(m))
            .Count(t => schedule.IsOpenAt(t, NewYork));

        Assert.Equal(60, openMinutes);
    }

    [Fact]
    public void IsOpenAt_RangeAcrossSpringForwardAt0330Edt_Open()
    {
        var at0330Edt = new DateTimeOffset(2026, 3, 8, 3, 30, 0, TimeSpan.FromHours(-4));

        Assert.True(Sunday(1, 4).IsOpenAt(at0330Edt, NewYork));
    }

    [Fact]
    public void IsOpenAt_RangeAcrossSpringForwardAtEndEdt_Closed()
    {
        var at0400Edt = new DateTimeOffset(2026, 3, 8, 4, 0, 0, TimeSpan.FromHours(-4));

        Assert.False(Sunday(1, 4).IsOpenAt(at0400Edt, NewYork));
    }

    [Fact]
    public void IsOpenAt_RepeatedHourFirstPass0130Edt_Open()
    {
        var at0130Edt = new DateTimeOffset(2026, 11, 1, 1, 30, 0, TimeSpan.FromHours(-4));

        Assert.True(Sunday(1, 2).IsOpenAt(at0130Edt, NewYork));
    }

    [Fact]
    public void IsOpenAt_RepeatedHourSecondPass0130Est_Open()
    {
        var at0130Est = new DateTimeOffset(2026, 11, 1, 1, 30, 0, TimeSpan.FromHours(-5));

        Assert.True(Sunday(1, 2).IsOpenAt(at0130Est, NewYork));
    }

    [Fact]
    public void IsOpenAt_AfterRepeatedHour0200Est_Closed()
    {
        var at0200Est = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.FromHours(-5));

        Assert.False(Sunday(1, 2).IsOpenAt(at0200Est, NewYork));
    }

    [Fact]
    public void IsOpenAt_FallBackDay_RangeOpenForTwoRealHours()
    {
        var schedule = Sunday(1, 2);
        var dayStart = new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero); // local midnight EDT

        var openMinutes = Enumerable.Range(0, 25 * 60)
            .Select(m => dayStart.AddMinutes(m))
            .Count(t => schedule.IsOpenAt(t, NewYork));

        Assert.Equal(120, openMinutes);
    }
}
