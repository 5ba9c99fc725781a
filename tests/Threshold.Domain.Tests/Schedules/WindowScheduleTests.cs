using Threshold.Domain.Schedules;

namespace Threshold.Domain.Tests.Schedules;

public sealed class WindowScheduleTests
{
    private static readonly DateTimeOffset From = new(2026, 6, 1, 8, 0, 0, TimeSpan.FromHours(2));
    private static readonly DateTimeOffset To = From.AddHours(3);

    public static TheoryData<Schedule> Windows => new() { new TemporarySchedule(From, To), new OnceSchedule(From, To) };

    [Theory]
    [MemberData(nameof(Windows))]
    public void IsOpenAt_ExactlyAtStart_Open(Schedule schedule)
    {
        Assert.True(schedule.IsOpenAt(From, TestData.Berlin));
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void IsOpenAt_OneTickBeforeStart_Closed(Schedule schedule)
    {
        Assert.False(schedule.IsOpenAt(From.AddTicks(-1), TestData.Berlin));
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void IsOpenAt_OneTickBeforeEnd_Open(Schedule schedule)
    {
        Assert.True(schedule.IsOpenAt(To.AddTicks(-1), TestData.Berlin));
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void IsOpenAt_ExactlyAtEnd_Closed(Schedule schedule)
    {
        Assert.False(schedule.IsOpenAt(To, TestData.Berlin));
    }

    [Theory]
    [MemberData(nameof(Windows))]
    public void IsOpenAt_SameInstantWrittenInAnotherOffset_Open(Schedule schedule)
    {
        // From is 06:00Z; the same instant written in New York time must compare equal.
        Assert.True(schedule.IsOpenAt(From.ToOffset(TimeSpan.FromHours(-4)), TestData.NewYork));
    }

    [Fact]
    public void TemporarySchedule_FromEqualsTo_ThrowsInvalidSchedule()
    {
        var ex = Assert.Throws<DomainException>(() => new TemporarySchedule(From, From));

        Assert.Equal(DomainErrorCodes.InvalidSchedule, ex.Code);
    }

    [Fact]
    public void TemporarySchedule_FromAfterTo_ThrowsInvalidSchedule()
    {
        var ex = Assert.Throws<DomainException>(() => new TemporarySchedule(To, From));

        Assert.Equal(DomainErrorCodes.InvalidSchedule, ex.Code);
    }

    [Fact]
    public void OnceSchedule_FromAfterTo_ThrowsInvalidSchedule()
    {
        var ex = Assert.Throws<DomainException>(() => new OnceSchedule(To, From));

        Assert.Equal(DomainErrorCodes.InvalidSchedule, ex.Code);
    }

    [Fact]
    public void OnceSchedule_Valid_KeepsBounds()
    {
        var once = new OnceSchedule(From, To);

        Assert.Equal((From, To), (once.From, once.To));
    }

    [Fact]
    public void AlwaysSchedule_AnyInstant_Open()
    {
        Assert.True(new AlwaysSchedule().IsOpenAt(DateTimeOffset.MinValue, TestData.Berlin));
        Assert.True(new AlwaysSchedule().IsOpenAt(DateTimeOffset.MaxValue, TestData.Berlin));
    }
}
