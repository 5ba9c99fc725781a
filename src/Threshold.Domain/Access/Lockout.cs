namespace Threshold.Domain.Access;

/// <summary>Resident's "nobody but us" switch, optionally ending by itself at <see cref="Until"/>.</summary>
public sealed record Lockout(bool Active, DateTimeOffset? Until)
{
    public static Lockout None { get; } = new(false, null);

    public bool IsActiveAt(DateTimeOffset now) => Active && (Until is null || now < Until.Value);
}
