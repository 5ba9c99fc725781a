using Threshold.Domain.Access;

namespace Threshold.Domain.Tests.Access;

public sealed class AccessTypesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 3, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Allow_Always_AllowedWithoutReason()
    {
        Assert.Equal(new AccessDecision(true, null), AccessDecision.Allow);
    }

    [Fact]
    public void Deny_WithReason_NotAllowedCarryingReason()
    {
        Assert.Equal(new AccessDecision(false, ReasonCodes.Revoked), AccessDecision.Deny(ReasonCodes.Revoked));
    }

    [Fact]
    public void Deny_EmptyReason_Throws()
    {
        Assert.Throws<ArgumentException>(() => AccessDecision.Deny(" "));
    }

    [Fact]
    public void IsActiveAt_InactiveLockout_False()
    {
        Assert.False(new Lockout(false, Now.AddHours(1)).IsActiveAt(Now));
    }

    [Fact]
    public void IsActiveAt_ActiveWithoutEnd_True()
    {
        Assert.True(new Lockout(true, null).IsActiveAt(Now));
    }

    [Fact]
    public void IsActiveAt_BeforeUntil_True()
    {
        Assert.True(new Lockout(true, Now.AddTicks(1)).IsActiveAt(Now));
    }

    [Fact]
    public void IsActiveAt_ExactlyAtUntil_False()
    {
        Assert.False(new Lockout(true, Now).IsActiveAt(Now));
    }

    [Theory]
    [InlineData(0, 30)]
    [InlineData(-1, 30)]
    [InlineData(50, 0)]
    [InlineData(double.NaN, 30)]
    [InlineData(50, double.PositiveInfinity)]
    public void GeofencePolicy_NonPositiveOrNotFinite_ThrowsInvalidGeofence(double radius, double accuracy)
    {
        var ex = Assert.Throws<DomainException>(() => new GeofencePolicy(radius, accuracy));

        Assert.Equal(DomainErrorCodes.InvalidGeofence, ex.Code);
    }

    [Fact]
    public void GeofencePolicy_Positive_KeepsValues()
    {
        var fence = new GeofencePolicy(50, 30);

        Assert.Equal((50.0, 30.0), (fence.RadiusMeters, fence.MaxAccuracyMeters));
    }
}
