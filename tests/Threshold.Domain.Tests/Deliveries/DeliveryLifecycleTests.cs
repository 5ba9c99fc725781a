using Threshold.Domain.Deliveries;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Deliveries;

/// <summary>Side effects and guards the transition matrix does not show.</summary>
public sealed class DeliveryLifecycleTests
{
    private static readonly DateTimeOffset T1 = InWindow.AddMinutes(1);
    private static readonly DateTimeOffset T2 = InWindow.AddMinutes(2);
    private static readonly DateTimeOffset T3 = InWindow.AddMinutes(3);

    [Fact]
    public void AssignCourier_Scheduled_SetsCourier()
    {
        var d = NewDelivery();

        d.AssignCourier(Courier, T1);

        Assert.Equal(Courier, d.CourierId);
    }

    [Fact]
    public void AssignCourier_ArrivedWithNobodyAssigned_Allowed()
    {
        var d = NewDelivery();
        d.RecordArrival(T1);

        d.AssignCourier(Courier, T2);

        Assert.Equal((Courier, DeliveryStatus.Arrived), (d.CourierId, d.Status));
    }

    [Fact]
    public void AssignCourier_ArrivedWithCourier_RefusedAndCourierKept()
    {
        var d = ArrivedAt(T1);

        var ex = Assert.Throws<DomainException>(() => d.AssignCourier(OtherCourier, T2));

        Assert.Equal(DomainErrorCodes.InvalidTransition, ex.Code);
        Assert.Equal(Courier, d.CourierId);
    }

    [Fact]
    public void AssignCourier_EmptyId_Throws()
    {
        Assert.Throws<ArgumentException>(() => NewDelivery().AssignCourier(Guid.Empty, T1));
    }

    [Fact]
    public void RecordArrival_Again_RefreshesArrivedAt()
    {
        var d = ArrivedAt(T1);

        d.RecordArrival(T2);

        Assert.Equal(T2, d.ArrivedAt);
    }

    [Fact]
    public void ConsumeEntry_Arrived_SetsEntryUsedAt()
    {
        var d = ArrivedAt(T1);

        d.ConsumeEntry(T2);

        Assert.Equal((DeliveryStatus.Unlocked, T2), (d.Status, d.EntryUsedAt));
        Assert.True(d.IsEntryUsed);
    }

    [Fact]
    public void ConsumeEntry_Twice_SecondThrowsAlreadyUsedAndKeepsFirstTime()
    {
        var d = ArrivedAt(T1);
        d.ConsumeEntry(T2);

        var ex = Assert.Throws<DomainException>(() => d.ConsumeEntry(T3));

        Assert.Equal(DomainErrorCodes.AlreadyUsed, ex.Code);
        Assert.Equal(T2, d.EntryUsedAt);
    }

    [Fact]
    public void ConsumeEntry_UsedThenFailed_StillAlreadyUsed()
    {
        var d = Unlocked();
        d.Fail("relock_failed", T3);

        var ex = Assert.Throws<DomainException>(() => d.ConsumeEntry(T3));

        Assert.Equal(DomainErrorCodes.AlreadyUsed, ex.Code);
    }

    [Fact]
    public void RecordLocked_DoorOpenedAndClosed_CompletesWithTime()
    {
        var d = Unlocked();
        d.RecordDoorOpened(T1);
        d.RecordDoorClosed(T2);

        d.RecordLocked(T3);

        Assert.Equal((DeliveryStatus.Completed, T3), (d.Status, d.CompletedAt));
        Assert.True(d.IsTerminal);
    }

    [Fact]
    public void RecordDoorClosed_AfterLockedWithDoorOpen_Completes()
    {
        var d = Unlocked();
        d.RecordDoorOpened(T1);
        d.RecordLocked(T2);
        Assert.Null(d.CompletedAt);

        d.RecordDoorClosed(T3);

        Assert.Equal((DeliveryStatus.Completed, T3), (d.Status, d.CompletedAt));
    }

    [Fact]
    public void RecordLocked_DoorNeverOpened_Completes()
    {
        var d = Unlocked();

        d.RecordLocked(T1);

        Assert.Equal(DeliveryStatus.Completed, d.Status);
    }

    [Fact]
    public void RecordDoorOpened_ReopenedAfterClose_WaitsForNextClose()
    {
        var d = Unlocked();
        d.RecordDoorOpened(T1);
        d.RecordDoorClosed(T1);
        d.RecordDoorOpened(T2);

        d.RecordLocked(T2);

        Assert.Equal(DeliveryStatus.Locked, d.Status);
    }

    [Fact]
    public void Expire_BeforeWindowEnd_InvalidTransition()
    {
        var d = Assigned();

        var ex = Assert.Throws<DomainException>(() => d.Expire(WindowEnd.AddTicks(-1)));

        Assert.Equal(DomainErrorCodes.InvalidTransition, ex.Code);
        Assert.Equal(DeliveryStatus.Scheduled, d.Status);
    }

    [Fact]
    public void Expire_AfterWindowEnd_Expired()
    {
        var d = ArrivedAt(T1);

        d.Expire(WindowEnd.AddHours(1));

        Assert.Equal(DeliveryStatus.Expired, d.Status);
    }

    [Fact]
    public void Fail_InProgress_RecordsReason()
    {
        var d = Unlocked();

        d.Fail("lock_jammed", T3);

        Assert.Equal((DeliveryStatus.Failed, "lock_jammed"), (d.Status, d.FailureReason));
    }

    [Fact]
    public void Fail_BlankReason_Throws()
    {
        Assert.Throws<ArgumentException>(() => Assigned().Fail(" ", T1));
    }

    [Fact]
    public void Version_HappyPath_IncrementsOncePerChange()
    {
        var d = NewDelivery();
        d.AssignCourier(Courier, T1);
        d.RecordArrival(T1);
        d.ConsumeEntry(T1);
        d.RecordDoorOpened(T2);
        d.RecordDoorClosed(T2);
        d.RecordLocked(T3);

        Assert.Equal(6, d.Version);
    }

    [Theory]
    [InlineData(DeliveryStatus.Completed)]
    [InlineData(DeliveryStatus.Declined)]
    [InlineData(DeliveryStatus.Cancelled)]
    [InlineData(DeliveryStatus.Expired)]
    [InlineData(DeliveryStatus.Failed)]
    public void IsTerminal_TerminalStatuses_True(DeliveryStatus status)
    {
        var d = Assigned();
        switch (status)
        {
            case DeliveryStatus.Completed: d = Unlocked(); d.RecordLocked(T2); break;
            case DeliveryStatus.Declined: d.Decline(T1); break;
            case DeliveryStatus.Cancelled: d.Cancel(T1); break;
            case DeliveryStatus.Expired: d.Expire(WindowEnd); break;
            default: d.Fail("x", T1); break;
        }

        Assert.Equal(status, d.Status);
        Assert.True(d.IsTerminal);
    }

    [Fact]
    public void IsTerminal_InProgress_False()
    {
        var d = Unlocked();
        d.RecordDoorOpened(T2);
        d.RecordLocked(T3);

        Assert.False(d.IsTerminal);
    }
}
