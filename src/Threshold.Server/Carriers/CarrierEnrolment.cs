using System.Security.Cryptography;
using Threshold.Domain.Deliveries;

namespace Threshold.Server.Carriers;

internal enum EntryMethod
{
    Remote,
    Keypad,
}

/// <summary>A home's enrolment with one carrier and the policy its deliveries must respect.</summary>
internal sealed class CarrierEnrolment
{
    private CarrierEnrolment()
    {
    }

    public Guid Id { get; private set; }
    public Guid HomeId { get; private set; }
    public Guid CarrierId { get; private set; }

    /// <summary>Given by the resident to the carrier, like an address for in-home delivery.</summary>
    public string HomeAccessId { get; private set; } = "";

    /// <summary>Bit i set = <see cref="DayOfWeek"/> i allowed.</summary>
    public int PolicyDays { get; private set; }
    public TimeOnly PolicyStart { get; private set; }
    public TimeOnly PolicyEnd { get; private set; }
    public EntryMethod EntryMethod { get; private set; }
    public bool CameraRequired { get; private set; }

    /// <summary>A resident must let each arriving courier in (approval at the door) within <see cref="ApprovalTimeout"/>.</summary>
    public bool RequireApproval { get; private set; }
    public int ApprovalTimeoutSeconds { get; private set; }
    public TimeSpan ApprovalTimeout => TimeSpan.FromSeconds(ApprovalTimeoutSeconds);
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>The policy's days and hours; <see cref="PolicyStart"/> equal to <see cref="PolicyEnd"/> is a whole day.</summary>
    public DeliveryHours Hours() => new(
        Enum.GetValues<DayOfWeek>().Where(d => (PolicyDays & (1 << (int)d)) != 0).ToHashSet(),
        PolicyStart,
        PolicyEnd);

    public static CarrierEnrolment Create(
        Guid homeId, Guid carrierId, DeliveryHours hours, EntryMethod method, bool cameraRequired, DateTimeOffset now, TimeSpan? approvalTimeout = null) => new()
    {
        Id = Guid.CreateVersion7(now),
        HomeId = homeId,
        CarrierId = carrierId,
        HomeAccessId = "hac_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        PolicyDays = hours.Days.Aggregate(0, (mask, d) => mask | (1 << (int)d)),
        PolicyStart = hours.From,
        PolicyEnd = hours.To,
        EntryMethod = method,
        CameraRequired = cameraRequired,
        RequireApproval = approvalTimeout is not null,
        ApprovalTimeoutSeconds = (int)(approvalTimeout ?? CarrierPolicy.DefaultApprovalTimeout).TotalSeconds,
        CreatedAt = now,
    };

    /// <summary>True when every moment of [start, end) falls inside the policy's days and hours.</summary>
    public bool Allows(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone) => Hours().Covers(start, end, zone);
}
