namespace Threshold.Domain;

/// <summary>Codes carried by <see cref="DomainException"/>.</summary>
public static class DomainErrorCodes
{
    public const string InvalidSchedule = "invalid_schedule";
    public const string InvalidTimeZone = "invalid_time_zone";
    public const string InvalidGeofence = "invalid_geofence";
    public const string InvalidGrant = "invalid_grant";
    public const string InvalidPackages = "invalid_packages";
    public const string InvalidExternalRef = "invalid_external_ref";
    public const string InvalidWindow = "invalid_window";
    public const string WindowTooLong = "window_too_long";
    public const string WindowInPast = "window_in_past";
    public const string InvalidTransition = "invalid_transition";

    // Shared with the access reasons on purpose: a refused state change and a denied
    // decision for the same cause should read the same to clients.
    public const string AlreadyUsed = "already_used";
    public const string Revoked = "revoked";
    public const string MaxEntriesReached = "max_entries_reached";

    public const string InvalidCode = "invalid_code";
    public const string WeakCode = "weak_code";
    public const string CodeCollision = "code_collision";
}
