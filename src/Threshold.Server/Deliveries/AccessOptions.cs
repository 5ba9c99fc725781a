using System.ComponentModel.DataAnnotations;

namespace Threshold.Server.Deliveries;

internal sealed class AccessOptions
{
    public const string Section = "Threshold:Access";

    /// <summary>How far from the home's coordinates a courier may report being.</summary>
    [Range(5, 5000)]
    public double GeofenceRadiusMeters { get; set; } = 150;

    /// <summary>A location reported with a worse accuracy than this proves nothing.</summary>
    [Range(1, 5000)]
    public double MaxLocationAccuracyMeters { get; set; } = 100;

    /// <summary>Longest delivery window a carrier may ask for.</summary>
    public TimeSpan MaxDeliveryWindow { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long a passed arrival check stays good for the unlock that follows.</summary>
    public TimeSpan ArrivalValidity { get; set; } = TimeSpan.FromMinutes(10);
}
