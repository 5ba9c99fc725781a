using Threshold.Domain.Deliveries;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Deliveries;

public sealed class DeliveryHoursTests
{
    private static readonly HashSet<DayOfWeek> EveryDay = Enum.GetValues<DayOfWeek>().ToHashSet();

    // 2026-03-03 is a Tuesday; Berlin is on CET (+01:00) then.
    private static DeliveryHours Hours(string from, string to, params DayOfWeek[] days) =>
        new(days.Length == 0 ? EveryDay : days.ToHashSet(), TimeOnly.Parse(from), TimeOnly.Parse(to));

    [Fact]
    public void Covers_WindowAcrossMidnightInAllDayHours_True()
    {
        // The evening window a carrier books every day: 23:30–00:30 in a home open 00:00–24:00.
        var allDay = Hours("00:00", "00:00");

        Assert.True(allDay.Covers(Local(Berlin, 2026, 3, 3, 23, 30), Local(Berlin, 2026, 3, 4, 0, 30), Berlin));
    }

    [Fact]
    public void Covers_AnyTime_TrueForAWholeWeek()
    {
        Assert.True(DeliveryHours.AnyTime.IsAnyTime);
        Assert.True(DeliveryHours.AnyTime.Covers(Local(Berlin, 2026, 3, 3, 0, 0), Local(Berlin, 2026, 3, 10, 0, 0), Berlin));
    }

    [Fact]
    public void Covers_WindowAcrossMidnightInOvernightHours_TrueInsideFalsePastTheEnd()
    {
        var overnight = Hours("22:00", "06:00", DayOfWeek.Tuesday);

        Assert.True(overnight.Covers(Local(Berlin, 2026, 3, 3, 23, 30), Local(Berlin, 2026, 3, 4, 0, 30), Berlin));
        Assert.True(overnight.Covers(Local(Berlin, 2026, 3, 4, 5, 0), Local(Berlin, 2026, 3, 4, 6, 0), Berlin));
        Assert.False(overnight.Covers(Local(Berlin, 2026, 3, 4, 5, 30), Local(Berlin, 2026, 3, 4, 6, 1), Berlin));
        // Wednesday night is not listed: the range belongs to the day it starts.
        Assert.False(overnight.Covers(Local(Berlin, 2026, 3, 4, 23, 30), Local(Berlin, 2026, 3, 5, 0, 30), Berlin));
    }

    [Fact]
    public void Covers_WholeDayOnListedDaysOnly_FalseOnceTheNextDayIsNotListed()
    {
        var tuesdays = Hours("00:00", "00:00", DayOfWeek.Tuesday);

        Assert.True(tuesdays.Covers(Local(Berlin, 2026, 3, 3, 0, 0), Local(Berlin, 2026, 3, 4, 0, 0), Berlin));
        Assert.False(tuesdays.Covers(Local(Berlin, 2026, 3, 3, 23, 30), Local(Berlin, 2026, 3, 4, 0, 30), Berlin));
        Assert.False(tuesdays.IsAnyTime);
    }

    [Fact]
    public void Covers_EveningUntilMidnight_ClosedFromMidnight()
    {
        var evenings = Hours("22:00", "00:00", DayOfWeek.Tuesday);

        Assert.True(evenings.Covers(Local(Berlin, 2026, 3, 3, 22, 0), Local(Berlin, 2026, 3, 4, 0, 0), Berlin));
        Assert.False(evenings.Covers(Local(Berlin, 2026, 3, 3, 23, 30), Local(Berlin, 2026, 3, 4, 0, 1), Berlin));
    }

    [Fact]
    public void Covers_WindowEndingSecondsPastClose_False()
    {
        // The probes step a minute from the window's start, not from whole minutes; the last instant still catches this.
        var morning = Hours("09:00", "09:30", DayOfWeek.Tuesday);

        Assert.False(morning.Covers(Local(Berlin, 2026, 3, 3, 9, 29, 30), Local(Berlin, 2026, 3, 3, 9, 30, 10), Berlin));
    }

    [Fact]
    public void IsOpenAt_DaytimeHours_EdgesInclusiveExclusive()
    {
        var daytime = Hours("09:00", "17:00", DayOfWeek.Tuesday);

        Assert.True(daytime.IsOpenAt(Local(Berlin, 2026, 3, 3, 9, 0), Berlin));
        Assert.True(daytime.IsOpenAt(Local(Berlin, 2026, 3, 3, 17, 0).AddTicks(-1), Berlin));
        Assert.False(daytime.IsOpenAt(Local(Berlin, 2026, 3, 3, 17, 0), Berlin));
        Assert.False(daytime.IsOpenAt(Local(Berlin, 2026, 3, 3, 8, 59, 59), Berlin));
        Assert.False(daytime.IsOpenAt(Local(Berlin, 2026, 3, 4, 10, 0), Berlin));
    }

    [Fact]
    public void Constructor_NoDays_ThrowsInvalidSchedule()
    {
        var e = Assert.Throws<DomainException>(() => new DeliveryHours(new HashSet<DayOfWeek>(), TimeOnly.MinValue, TimeOnly.MinValue));
        Assert.Equal(DomainErrorCodes.InvalidSchedule, e.Code);
    }

    [Fact]
    public void Constructor_EdgeInsideAMinute_ThrowsInvalidSchedule()
    {
        var e = Assert.Throws<DomainException>(() => new DeliveryHours(EveryDay, new TimeOnly(9, 0, 30), new TimeOnly(17, 0)));
        Assert.Equal(DomainErrorCodes.InvalidSchedule, e.Code);
    }

    [Fact]
    public void Equals_SameDaysInAnotherSet_Equal()
    {
        Assert.Equal(Hours("09:00", "17:00", DayOfWeek.Monday, DayOfWeek.Friday), Hours("09:00", "17:00", DayOfWeek.Friday, DayOfWeek.Monday));
    }
}
