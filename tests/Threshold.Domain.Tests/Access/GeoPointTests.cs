using Threshold.Domain.Access;

namespace Threshold.Domain.Tests.Access;

public sealed class GeoPointTests
{
    [Fact]
    public void DistanceMetersTo_LaxToJfk_WithinHalfPercentOfPublishedGreatCircle()
    {
        var lax = new GeoPoint(33.9425, -118.4081);
        var jfk = new GeoPoint(40.6397, -73.7789);

        // Published great-circle distance: 2,475 statute miles ≈ 3,983 km.
        var distance = lax.DistanceMetersTo(jfk);

        Assert.InRange(distance, 3_983_000 * 0.995, 3_983_000 * 1.005);
    }

    [Fact]
    public void DistanceMetersTo_OneDegreeOfLatitude_IsRadiusTimesOneDegreeInRadians()
    {
        var distance = new GeoPoint(10, 20).DistanceMetersTo(new GeoPoint(11, 20));

        Assert.Equal(GeoPoint.EarthRadiusMeters * Math.PI / 180, distance, precision: 3);
    }

    [Fact]
    public void DistanceMetersTo_AntipodalPoints_IsHalfCircumferenceNotNaN()
    {
        var distance = new GeoPoint(0, 0).DistanceMetersTo(new GeoPoint(0, 180));

        Assert.Equal(Math.PI * GeoPoint.EarthRadiusMeters, distance, precision: 3);
    }

    [Fact]
    public void DistanceMetersTo_ManyAntipodalPairs_NeverNaN()
    {
        // Rounding makes the haversine term exceed 1 for a few percent of antipodal pairs.
        var random = new Random(1);
        for (var i = 0; i < 1000; i++)
        {
            var lat = (random.NextDouble() * 178) - 89;
            var lon = random.NextDouble() * -179;

            var distance = new GeoPoint(lat, lon).DistanceMetersTo(new GeoPoint(-lat, lon + 180));

            Assert.Equal(Math.PI * GeoPoint.EarthRadiusMeters, distance, precision: 0);
        }
    }

    [Fact]
    public void DistanceMetersTo_SamePoint_IsZero()
    {
        Assert.Equal(0, TestData.HomeLocation.DistanceMetersTo(TestData.HomeLocation));
    }

    [Fact]
    public void DistanceMetersTo_InvalidPoint_IsNaN()
    {
        Assert.True(double.IsNaN(new GeoPoint(91, 0).DistanceMetersTo(TestData.HomeLocation)));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(90, 180)]
    [InlineData(-90, -180)]
    [InlineData(52.52, 13.405)]
    public void IsValid_InRange_True(double lat, double lon)
    {
        Assert.True(GeoPoint.IsValid(lat, lon));
    }

    [Theory]
    [InlineData(90.0001, 0)]
    [InlineData(-90.0001, 0)]
    [InlineData(0, 180.0001)]
    [InlineData(0, -180.0001)]
    [InlineData(double.NaN, 0)]
    [InlineData(0, double.NaN)]
    [InlineData(double.PositiveInfinity, 0)]
    [InlineData(0, double.NegativeInfinity)]
    public void IsValid_OutOfRangeOrNotFinite_False(double lat, double lon)
    {
        Assert.False(GeoPoint.IsValid(lat, lon));
        Assert.False(new GeoPoint(lat, lon).IsValidPoint);
    }
}
