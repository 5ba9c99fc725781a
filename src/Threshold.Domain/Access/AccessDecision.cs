namespace Threshold.Domain.Access;

/// <summary>Outcome of an access check: allow, or deny with one of <see cref="ReasonCodes"/>.</summary>
public sealed record AccessDecision(bool Allowed, string? Reason)
{
    public static AccessDecision Allow { get; } = new(true, null);

    public static AccessDecision Deny(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new AccessDecision(false, reason);
    }
}
