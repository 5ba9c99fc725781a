namespace Threshold.Domain.Schedules;

/// <summary>Turns user-supplied IANA ids into zones, refusing anything unknown.</summary>
public static class TimeZones
{
    // Longest real IANA id is ~32 chars; the cap keeps junk input away from the zone loader.
    private const int MaxIdLength = 64;

    public static TimeZoneInfo ResolveZone(string ianaId)
    {
        if (string.IsNullOrWhiteSpace(ianaId) || ianaId.Length > MaxIdLength || ianaId != ianaId.Trim())
        {
            throw Invalid(ianaId);
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(ianaId);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            throw Invalid(ianaId);
        }
    }

    private static DomainException Invalid(string? id) =>
        new(DomainErrorCodes.InvalidTimeZone, $"Unknown time zone '{id}'.");
}
