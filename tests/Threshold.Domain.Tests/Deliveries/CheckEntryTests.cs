using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Deliveries;

public sealed class CheckEntryTests
{
    private static readonly DateTimeOffset Now = InWindow.AddMinutes(1);

    private static AccessDecision Check(
        Delivery d, Guid? courier = null, HomeConditions? home = null, bool cameraRequired = true, DateTimeOffset? now = null) =>
        d.CheckEntry(courier ?? Courier, home ?? HomeOk(), cameraRequired, ArrivalValidity, now ?? Now);

    private static Delivery Arrived() => ArrivedAt(InWindow);

    private static Delivery Ended(Action<Delivery> end)
    {
        var d = Arrived();
        end(d);
        return d;
    }

    [Fact]
    public void CheckEntry_FreshArrival_Allows()
    {
        Assert.Equal(AccessDecision.Allow, Check(Arrived()));
    }

    [Fact]
    public void CheckEntry_Allowed_DoesNotChangeState()
    {
        var d = Arrived();
        var version = d.Version;

        Check(d);

        Assert.Equal((DeliveryStatus.Arrived, version), (d.Status, d.Version));
    }

    [Fact]
    public void CheckEntry_Declined_DeniesDeliveryDeclined()
    {
        Assert.Equal(ReasonCodes.DeliveryDeclined, Check(Ended(d => d.Decline(Now))).Reason);
    }

    [Fact]
    public void CheckEntry_Cancelled_DeniesDeliveryCancelled()
    {
        Assert.Equal(ReasonCodes.DeliveryCancelled, Check(Ended(d => d.Cancel(Now))).Reason);
    }

    [Fact]
    public void CheckEntry_Expired_DeniesOutsideWindow()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, Check(Ended(d => d.Expire(WindowEnd))).Reason);
    }

    [Fact]
    public void CheckEntry_Failed_DeniesOutsideWindow()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, Check(Ended(d => d.Fail("camera_lost", Now))).Reason);
    }

    [Fact]
    public void CheckEntry_EntryAlreadyUsed_DeniesAlreadyUsed()
    {
        Assert.Equal(ReasonCodes.AlreadyUsed, Check(Unlocked()).Reason);
    }

    [Fact]
    public void CheckEntry_OtherCourier_DeniesNotAssigned()
    {
        Assert.Equal(ReasonCodes.NotAssigned, Check(Arrived(), courier: OtherCourier).Reason);
    }

    [Fact]
    public void CheckEntry_EntryUsedOrDeclinedAndOtherCourier_NotAssignedWins()
    {
        Assert.Equal(ReasonCodes.NotAssigned, Check(Unlocked(), courier: OtherCourier).Reason);
        Assert.Equal(ReasonCodes.NotAssigned, Check(Ended(d => d.Decline(Now)), courier: OtherCourier).Reason);
    }

    [Fact]
    public void CheckEntry_AtWindowEnd_DeniesOutsideWindow()
    {
        var d = ArrivedAt(WindowEnd.AddMinutes(-1));

        Assert.Equal(ReasonCodes.OutsideWindow, Check(d, now: WindowEnd).Reason);
    }

    [Fact]
    public void CheckEntry_BeforeWindow_DeniesOutsideWindow()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, Check(Arrived(), now: WindowStart.AddTicks(-1)).Reason);
    }

    [Fact]
    public void CheckEntry_Lockout_DeniesLockoutActive()
    {
        Assert.Equal(ReasonCodes.LockoutActive, Check(Arrived(), home: HomeOk(new Lockout(true, Now.AddHours(1)))).Reason);
    }

    [Fact]
    public void CheckEntry_LockoutWithoutArrival_LockoutWins()
    {
        Assert.Equal(ReasonCodes.LockoutActive, Check(Assigned(), home: HomeOk(new Lockout(true, null))).Reason);
    }

    [Fact]
    public void CheckEntry_NeverArrived_DeniesArrivalRequired()
    {
        Assert.Equal(ReasonCodes.ArrivalRequired, Check(Assigned()).Reason);
    }

    [Fact]
    public void CheckEntry_ArrivalOneTickYoungerThanValidity_Allows()
    {
        Assert.True(Check(Arrived(), now: InWindow + ArrivalValidity - TimeSpan.FromTicks(1)).Allowed);
    }

    [Fact]
    public void CheckEntry_ArrivalExactlyValidityOld_DeniesArrivalRequired()
    {
        Assert.Equal(ReasonCodes.ArrivalRequired, Check(Arrived(), now: InWindow + ArrivalValidity).Reason);
    }

    [Fact]
    public void CheckEntry_StaleArrivalRefreshed_Allows()
    {
        var d = Arrived();
        var later = InWindow.AddMinutes(30);
        d.RecordArrival(later);

        Assert.True(Check(d, now: later.AddMinutes(1)).Allowed);
    }

    [Fact]
    public void CheckEntry_NoArrivalAndHubOffline_ArrivalRequiredWins()
    {
        Assert.Equal(ReasonCodes.ArrivalRequired, Check(Assigned(), home: HomeOk(hubOnline: false)).Reason);
    }

    [Fact]
    public void CheckEntry_HubOffline_DeniesHubOffline()
    {
        Assert.Equal(ReasonCodes.HubOffline, Check(Arrived(), home: HomeOk(hubOnline: false, cameraLive: false)).Reason);
    }

    [Fact]
    public void CheckEntry_CameraRequiredNotLive_DeniesCameraNotLive()
    {
        Assert.Equal(ReasonCodes.CameraNotLive, Check(Arrived(), home: HomeOk(cameraLive: false)).Reason);
    }

    [Fact]
    public void CheckEntry_CameraNotRequiredNotLive_Allows()
    {
        Assert.True(Check(Arrived(), home: HomeOk(cameraLive: false), cameraRequired: false).Allowed);
    }
}
