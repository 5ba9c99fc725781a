namespace Threshold.Domain.Access;

/// <summary>
/// How close to the home a courier must be, and how precise the reported fix must be.
/// Both values must be finite and positive; a zero or NaN policy would silently deny (or, worse,
/// be misread as "no limit"), so it is refused at construction.
/// </summary>
public sealed record GeofencePolicy(double RadiusMeters, double MaxAccuracyMeters)
{
    public double RadiusMeters { get; } = RequirePositive(RadiusMeters, nameof(RadiusMeters));
    public double MaxAccuracyMeters { get; } = RequirePositive(MaxAccuracyMeters, nameof(MaxAccuracyMeters));

    private static double RequirePositive(double value, string name) =>
        double.IsFinite(value) && value > 0
            ? value
            : throw new DomainException(DomainErrorCodes.InvalidGeofence, $"{name} must be a finite positive number of metres.");
}
