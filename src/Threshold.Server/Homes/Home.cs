using Threshold.Domain.Access;
using Threshold.Domain.Schedules;

namespace Threshold.Server.Homes;

internal sealed class Home
{
    private Home()
    {
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string TimeZone { get; private set; } = "";
    public double Latitude { get; private set; }
    public double Longitude { get; private set; }
    public bool LockoutActive { get; private set; }
    public DateTimeOffset? LockoutUntil { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>Digits in guest and service codes at this home (deliveries always use 8).</summary>
    public int KeypadCodeLength { get; private set; } = 6;

    /// <summary>Version of the credential set last decided for the hub; bumped with every change to it.</summary>
    public long CredentialVersion { get; private set; }

    public GeoPoint Location => new(Latitude, Longitude);
    public Lockout Lockout => new(LockoutActive, LockoutUntil);

    public static Home Create(string name, string timeZone, GeoPoint location, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        Name = name,
        TimeZone = timeZone,
        Latitude = location.Latitude,
        Longitude = location.Longitude,
        CreatedAt = now,
    };

    public TimeZoneInfo Zone() => TimeZones.ResolveZone(TimeZone);

    public long NextCredentialVersion() => ++CredentialVersion;

    /// <summary>Guest and service codes made from now on have this many digits; existing codes keep theirs.</summary>
    public void SetKeypadCodeLength(int digits)
    {
        if (digits is < Threshold.Domain.Grants.KeypadCodes.MinLength or > Threshold.Domain.Grants.KeypadCodes.MaxLength)
        {
            throw new Threshold.Domain.DomainException(Threshold.Domain.DomainErrorCodes.InvalidCode, "Codes are 4–8 digits.");
        }

        KeypadCodeLength = digits;
    }

    public void StartLockout(DateTimeOffset? until)
    {
        LockoutActive = true;
        LockoutUntil = until;
    }

    public void EndLockout()
    {
        LockoutActive = false;
        LockoutUntil = null;
    }
}

internal sealed class DoorLock
{
    public Guid Id { get; set; }
    public Guid HomeId { get; set; }
    public string Name { get; set; } = "";

    /// <summary>Last state the hub reported: locked, unlocked, not_fully_locked, unknown.</summary>
    public string State { get; set; } = "unknown";

    /// <summary>Last door contact the hub reported: open, closed, unknown.</summary>
    public string Door { get; set; } = "unknown";
}
