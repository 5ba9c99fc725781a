namespace Threshold.Domain.Access;

/// <summary>Snapshot of the home's state that access decisions depend on.</summary>
public sealed record HomeConditions(GeoPoint Location, TimeZoneInfo Zone, Lockout Lockout, bool HubOnline, bool CameraLive);
