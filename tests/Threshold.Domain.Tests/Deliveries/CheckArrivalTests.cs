using Threshold.Domain.Access;
using Threshold.Domain.Deliveries;
using static Threshold.Domain.Tests.TestData;

namespace Threshold.Domain.Tests.Deliveries;

public sealed class CheckArrivalTests
{
    private static AccessDecision Check(
        Delivery d, Guid? courier = null, GeoPoint? location = null, double accuracy = 10, string barcode = Barcode,
        HomeConditions? home = null, bool cameraRequired = true, DateTimeOffset? now = null) =>
        d.CheckArrival(courier ?? Courier, location ?? AtTheDoor, accuracy, barcode, home ?? HomeOk(), Fence, cameraRequired, now ?? InWindow);

    private static Delivery Ended(Action<Delivery> end)
    {
        var d = Assigned();
        end(d);
        return d;
    }

    [Fact]
    public void CheckArrival_EverythingFine_Allows()
    {
        Assert.Equal(AccessDecision.Allow, Check(Assigned()));
    }

    [Fact]
    public void CheckArrival_AlreadyArrived_AllowsReArrival()
    {
        Assert.True(Check(ArrivedAt(InWindow)).Allowed);
    }

    [Fact]
    public void CheckArrival_Allowed_DoesNotChangeState()
    {
        var d = Assigned();

        Check(d);

        Assert.Equal((DeliveryStatus.Scheduled, 1), (d.Status, d.Version));
    }

    [Fact]
    public void CheckArrival_Declined_DeniesDeliveryDeclined()
    {
        Assert.Equal(ReasonCodes.DeliveryDeclined, Check(Ended(d => d.Decline(BeforeWindow))).Reason);
    }

    [Fact]
    public void CheckArrival_Cancelled_DeniesDeliveryCancelled()
    {
        Assert.Equal(ReasonCodes.DeliveryCancelled, Check(Ended(d => d.Cancel(BeforeWindow))).Reason);
    }

    [Fact]
    public void CheckArrival_Expired_DeniesOutsideWindow()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, Check(Ended(d => d.Expire(WindowEnd)), now: InWindow).Reason);
    }

    [Fact]
    public void CheckArrival_Failed_DeniesOutsideWindow()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, Check(Ended(d => d.Fail("hub_lost", BeforeWindow))).Reason);
    }

    [Fact]
    public void CheckArrival_EntryUsed_DeniesAlreadyUsed()
    {
        Assert.Equal(ReasonCodes.AlreadyUsed, Check(Unlocked()).Reason);
    }

    [Fact]
    public void CheckArrival_Completed_DeniesAlreadyUsed()
    {
        var d = Unlocked();
        d.RecordLocked(InWindow.AddMinutes(2));

        Assert.Equal(ReasonCodes.AlreadyUsed, Check(d).Reason);
    }

    [Fact]
    public void CheckArrival_EntryUsedAndOtherCourier_NotAssignedWins()
    {
        Assert.Equal(ReasonCodes.NotAssigned, Check(Unlocked(), courier: OtherCourier).Reason);
    }

    [Fact]
    public void CheckArrival_DeclinedOrCancelledAndOtherCourier_NotAssignedWins()
    {
        Assert.Equal(ReasonCodes.NotAssigned, Check(Ended(d => d.Decline(BeforeWindow)), courier: OtherCourier).Reason);
        Assert.Equal(ReasonCodes.NotAssigned, Check(Ended(d => d.Cancel(BeforeWindow)), courier: OtherCourier).Reason);
    }

    [Fact]
    public void CheckArrival_OtherCourier_DeniesNotAssigned()
    {
        Assert.Equal(ReasonCodes.NotAssigned, Check(Assigned(), courier: OtherCourier).Reason);
    }

    [Fact]
    public void CheckArrival_NoCourierAssigned_DeniesNotAssigned()
    {
        Assert.Equal(ReasonCodes.NotAssigned, Check(NewDelivery()).Reason);
    }

    [Fact]
    public void CheckArrival_OtherCourierOutsideWindow_NotAssignedWins()
    {
        Assert.Equal(ReasonCodes.NotAssigned, Check(Assigned(), courier: OtherCourier, now: BeforeWindow).Reason);
    }

    [Fact]
    public void CheckArrival_ExactlyAtWindowStart_Allows()
    {
        Assert.True(Check(Assigned(), now: WindowStart).Allowed);
    }

    [Fact]
    public void CheckArrival_OneTickBeforeWindow_DeniesOutsideWindow()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, Check(Assigned(), now: WindowStart.AddTicks(-1)).Reason);
    }

    [Fact]
    public void CheckArrival_ExactlyAtWindowEnd_DeniesOutsideWindow()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, Check(Assigned(), now: WindowEnd).Reason);
    }

    [Fact]
    public void CheckArrival_OutsideWindowDuringLockout_OutsideWindowWins()
    {
        Assert.Equal(ReasonCodes.OutsideWindow, Check(Assigned(), now: WindowEnd, home: HomeOk(new Lockout(true, null))).Reason);
    }

    [Fact]
    public void CheckArrival_Lockout_DeniesLockoutActive()
    {
        Assert.Equal(ReasonCodes.LockoutActive, Check(Assigned(), home: HomeOk(new Lockout(true, null))).Reason);
    }

    [Fact]
    public void CheckArrival_LockoutAndFarAway_LockoutWins()
    {
        Assert.Equal(ReasonCodes.LockoutActive, Check(Assigned(), home: HomeOk(new Lockout(true, null)), location: new GeoPoint(0, 0)).Reason);
    }

    [Theory]
    [InlineData(30.0001)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void CheckArrival_BadAccuracy_DeniesLocationInaccurate(double accuracy)
    {
        Assert.Equal(ReasonCodes.LocationInaccurate, Check(Assigned(), accuracy: accuracy).Reason);
    }

    [Fact]
    public void CheckArrival_AccuracyExactlyAtLimit_Allows()
    {
        Assert.True(Check(Assigned(), accuracy: Fence.MaxAccuracyMeters).Allowed);
    }

    [Fact]
    public void CheckArrival_InvalidCoordinates_DeniesLocationInaccurate()
    {
        Assert.Equal(ReasonCodes.LocationInaccurate, Check(Assigned(), location: new GeoPoint(double.NaN, 13.4)).Reason);
    }

    [Fact]
    public void CheckArrival_InaccurateAndFarAway_LocationInaccurateWins()
    {
        Assert.Equal(ReasonCodes.LocationInaccurate, Check(Assigned(), accuracy: 500, location: new GeoPoint(0, 0)).Reason);
    }

    [Fact]
    public void CheckArrival_OutsideRadius_DeniesOutsideGeofence()
    {
        // 0.001° of latitude ≈ 111 m, beyond the 50 m fence.
        var street = new GeoPoint(HomeLocation.Latitude + 0.001, HomeLocation.Longitude);

        Assert.Equal(ReasonCodes.OutsideGeofence, Check(Assigned(), location: street).Reason);
    }

    [Fact]
    public void CheckArrival_HomeLocationInvalid_FailsClosedOutsideGeofence()
    {
        var home = HomeOk() with { Location = new GeoPoint(double.NaN, double.NaN) };

        Assert.Equal(ReasonCodes.OutsideGeofence, Check(Assigned(), home: home).Reason);
    }

    [Fact]
    public void CheckArrival_FarAwayWithWrongBarcode_OutsideGeofenceWins()
    {
        Assert.Equal(ReasonCodes.OutsideGeofence, Check(Assigned(), location: new GeoPoint(0, 0), barcode: "NOPE").Reason);
    }

    [Theory]
    [InlineData("NOPE")]
    [InlineData("1z999aa10123456784")]
    [InlineData("1Z999AA10123456784 ")]
    [InlineData("")]
    public void CheckArrival_BarcodeNotInDelivery_DeniesPackageMismatch(string barcode)
    {
        Assert.Equal(ReasonCodes.PackageMismatch, Check(Assigned(), barcode: barcode).Reason);
    }

    [Fact]
    public void CheckArrival_SecondPackageBarcode_Allows()
    {
        Assert.True(Check(Assigned(), barcode: "PKG-2").Allowed);
    }

    [Fact]
    public void CheckArrival_WrongBarcodeAndHubOffline_PackageMismatchWins()
    {
        Assert.Equal(ReasonCodes.PackageMismatch, Check(Assigned(), barcode: "NOPE", home: HomeOk(hubOnline: false)).Reason);
    }

    [Fact]
    public void CheckArrival_HubOffline_DeniesHubOffline()
    {
        Assert.Equal(ReasonCodes.HubOffline, Check(Assigned(), home: HomeOk(hubOnline: false, cameraLive: false)).Reason);
    }

    [Fact]
    public void CheckArrival_CameraRequiredNotLive_DeniesCameraNotLive()
    {
        Assert.Equal(ReasonCodes.CameraNotLive, Check(Assigned(), home: HomeOk(cameraLive: false)).Reason);
    }

    [Fact]
    public void CheckArrival_CameraNotRequiredNotLive_Allows()
    {
        Assert.True(Check(Assigned(), home: HomeOk(cameraLive: false), cameraRequired: false).Allowed);
    }
}
