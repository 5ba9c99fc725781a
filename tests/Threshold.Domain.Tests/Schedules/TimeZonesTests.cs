using Threshold.Domain.Schedules;

namespace Threshold.Domain.Tests.Schedules;

public sealed class TimeZonesTests
{
    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("America/New_York")]
    [InlineData("UTC")]
    public void ResolveZone_KnownIanaId_ReturnsZone(string id)
    {
        Assert.NotNull(TimeZones.ResolveZone(id));
    }

    [Fact]
    public void ResolveZone_Berlin_HasBerlinRules()
    {
        var zone = TimeZones.ResolveZone("Europe/Berlin");

        Assert.Equal(TimeSpan.FromHours(2), zone.GetUtcOffset(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("../../etc/passwd")]
    [InlineData(" Europe/Berlin")]
    public void ResolveZone_UnknownOrEmpty_ThrowsInvalidTimeZone(string id)
    {
        var ex = Assert.Throws<DomainException>(() => TimeZones.ResolveZone(id));

        Assert.Equal(DomainErrorCodes.InvalidTimeZone, ex.Code);
    }

    [Fact]
    public void ResolveZone_Null_ThrowsInvalidTimeZone()
    {
        var ex = Assert.Throws<DomainException>(() => TimeZones.ResolveZone(null!));

        Assert.Equal(DomainErrorCodes.InvalidTimeZone, ex.Code);
    }

    [Fact]
    public void ResolveZone_OverlongId_ThrowsInvalidTimeZone()
    {
        var ex = Assert.Throws<DomainException>(() => TimeZones.ResolveZone(new string('A', 65)));

        Assert.Equal(DomainErrorCodes.InvalidTimeZone, ex.Code);
    }
}
