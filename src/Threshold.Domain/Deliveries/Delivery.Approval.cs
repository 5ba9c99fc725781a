using Threshold.Domain.Access;

namespace Threshold.Domain.Deliveries;

// Approval at the door (DESIGN §8): under a policy that requires it, a courier who passed every check waits for one
// answer from the household, given before the deadline; silence is never a yes.
public sealed partial class Delivery
{
    public DateTimeOffset? ApprovalRequestedAt { get; private set; }
    public DateTimeOffset? ApprovalDeadline { get; private set; }
    public DateTimeOffset? ApprovedAt { get; private set; }

    /// <summary>The resident who approved or denied this arrival.</summary>
    public Guid? ApprovalAnsweredBy { get; private set; }

    /// <summary>True while the household is asked and the deadline has passed without an answer.</summary>
    public bool IsApprovalTimedOut(DateTimeOffset now) =>
        Status == DeliveryStatus.AwaitingApproval && ApprovalDeadline is { } deadline && now >= deadline;

    /// <summary>Asks the household about the courier now at the door; the question stays open for <paramref name="timeout"/>.</summary>
    public void RequestApproval(DateTimeOffset now, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Require(Status == DeliveryStatus.Arrived && ApprovedAt is null, "ask the household about");
        Status = DeliveryStatus.AwaitingApproval;
        ApprovalRequestedAt = now;
        ApprovalDeadline = now + timeout;
        Touch(now);
    }

    /// <summary>A resident lets the courier in: the entry may now be used, as after any arrival.</summary>
    /// <exception cref="DomainException"><c>approval_timeout</c> past the deadline; <c>invalid_transition</c> when nothing is asked.</exception>
    public void Approve(Guid residentId, DateTimeOffset now)
    {
        RequireOpenQuestion(now);
        Status = DeliveryStatus.Arrived;
        ApprovedAt = now;
        ApprovalAnsweredBy = residentId;
        Touch(now);
    }

    /// <summary>A resident refuses the courier at the door: the delivery ends, declined, and says why.</summary>
    public void DenyApproval(Guid residentId, DateTimeOffset now)
    {
        RequireOpenQuestion(now);
        Status = DeliveryStatus.Declined;
        FailureReason = ReasonCodes.ApprovalDenied;
        ApprovalAnsweredBy = residentId;
        Touch(now);
    }

    /// <summary>Why the entry may not be used yet under a policy that requires approval, or null once approved.</summary>
    private string? ApprovalRefusal(DateTimeOffset now) => Status switch
    {
        DeliveryStatus.AwaitingApproval => IsApprovalTimedOut(now) ? ReasonCodes.ApprovalTimeout : ReasonCodes.AwaitingApproval,
        DeliveryStatus.Arrived when ApprovedAt is null => ReasonCodes.ArrivalRequired,
        _ => null,
    };

    private void RequireOpenQuestion(DateTimeOffset now)
    {
        Require(Status == DeliveryStatus.AwaitingApproval, "answer for");
        if (IsApprovalTimedOut(now))
        {
            throw new DomainException(ReasonCodes.ApprovalTimeout, "The household was asked too long ago; the courier must ask again.");
        }
    }

    private void ClearApproval()
    {
        ApprovalRequestedAt = null;
        ApprovalDeadline = null;
        ApprovedAt = null;
        ApprovalAnsweredBy = null;
    }
}
