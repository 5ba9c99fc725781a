namespace Threshold.Domain.Access;

/// <summary>
/// WGS-84 coordinate in degrees. Being a struct it cannot refuse bad values on construction
/// (default and deserialised instances bypass any check), so callers validate with
/// <see cref="IsValid(double, double)"/> and consumers must fail closed on invalid points.
/// </summary>
public readonly record struct GeoPoint(double Latitude, double Longitude)
{
    /// <summary>Mean Earth radius (IUGG), metres.</summary>
    public const double EarthRadiusMeters = 6_371_008.8;

    public bool IsValidPoint => IsValid(Latitude, Longitude);

    public static bool IsValid(double lat, double lon) =>
        double.IsFinite(lat) && double.IsFinite(lon)
        && lat is >= -90 and <= 90
        && lon is >= -180 and <= 180;

    /// <summary>Great-circle (haversine) distance; NaN if either point is invalid.</summary>
    public double DistanceMetersTo(GeoPoint other)
    {
        if (!IsValidPoint || !other.IsValidPoint)
        {
            return double.NaN;
        }

        var lat1 = double.DegreesToRadians(Latitude);
        var lat2 = double.DegreesToRadians(other.Latitude);
        var dLat = lat2 - lat1;
        var dLon = double.DegreesToRadians(other.Longitude - Longitude);
        var sinLat = Math.Sin(dLat / 2);
        var sinLon = Math.Sin(dLon / 2);
        var h = (sinLat * sinLat) + (Math.Cos(lat1) * Math.Cos(lat2) * sinLon * sinLon);
        // Rounding can push h a hair above 1 for antipodal points; Asin would then return NaN.
        return 2 * EarthRadiusMeters * Math.Asin(Math.Sqrt(Math.Min(1.0, h)));
    }
}
